// The index snapshot file (`<db>.idx`): an 8-byte magic, a JSON header, then the typed arrays of
// every layer, 8-byte aligned, loaded back as views on one buffer: a cold start is one file read.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@aip/identity/node';
import { GraphLayer, type LayerArrays, type Rows } from './graph-layer.js';

const MAGIC = 'AIPTIDX1';
const VERSION = 1;

/** What a snapshot holds besides the arrays: which database state it reflects. */
export interface SnapshotHeader {
  epoch: string;
  /** Highest vouch and revocation sequence numbers included. */
  vouchSeq: number;
  revocationSeq: number;
}

export interface SnapshotContent extends SnapshotHeader {
  tieKeys: Float64Array;
  /** Highest agent id whose tie key is in `tieKeys`. */
  tieLoaded: number;
  layers: Map<number, GraphLayer>;
}

type Typed = Int32Array | Float32Array | Uint32Array | Float64Array;

interface ArrayEntry {
  kind: 'i32' | 'f32' | 'u32' | 'f64';
  length: number;
}

function entry(array: Typed): ArrayEntry {
  const kind =
    array instanceof Int32Array
      ? 'i32'
      : array instanceof Float32Array
        ? 'f32'
        : array instanceof Uint32Array
          ? 'u32'
          : 'f64';
  return { kind, length: array.length };
}

function layerArrays(a: LayerArrays): (Typed | null)[] {
  return [a.out.nodes, a.out.offsets, a.targets, a.weights, a.expiries, a.in.nodes, a.in.offsets, a.sources, a.mirror];
}

/** Serializes the index; compact layers first (the delta is not written). */
export async function writeSnapshot(file: string, content: SnapshotContent): Promise<void> {
  const arrays: Typed[] = [content.tieKeys];
  const layers: { scope: number; live: number; present: boolean[] }[] = [];
  for (const [scope, layer] of content.layers) {
    const list = layerArrays(layer.arrays);
    layers.push({ scope, live: layer.live, present: list.map((a) => a !== null) });
    for (const a of list) if (a !== null) arrays.push(a);
  }
  const header = {
    version: VERSION,
    epoch: content.epoch,
    vouchSeq: content.vouchSeq,
    revocationSeq: content.revocationSeq,
    tieLoaded: content.tieLoaded,
    layers,
    arrays: arrays.map(entry),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  let offset = align(8 + 4 + json.length);
  const total = arrays.reduce((sum, a) => align(sum + a.byteLength), offset);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset = align(offset + a.byteLength);
  }
  await writeFileAtomic(file, out, { mode: 0o600, overwrite: true });
}

/** Reads a snapshot; `undefined` if the file is missing, foreign, damaged or of another version. */
export function readSnapshot(file: string): SnapshotContent | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (data.length < 12 || data.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const length = data.readUInt32LE(8);
    const header = JSON.parse(data.toString('utf8', 12, 12 + length));
    if (header.version !== VERSION) return undefined;
    // Views need 8-byte alignment; a fresh Buffer of a whole file is, but check.
    const buffer = data.byteOffset % 8 === 0 ? data : Buffer.from(data);
    let offset = align(12 + length);
    const arrays: Typed[] = (header.arrays as ArrayEntry[]).map(({ kind, length: n }) => {
      const Kind = { i32: Int32Array, f32: Float32Array, u32: Uint32Array, f64: Float64Array }[kind];
      const bytes = n * Kind.BYTES_PER_ELEMENT;
      if (offset + bytes > buffer.length) throw new RangeError('truncated snapshot');
      const view = new Kind(buffer.buffer as ArrayBuffer, buffer.byteOffset + offset, n);
      offset = align(offset + bytes);
      return view;
    });
    let next = 0;
    const take = <T extends Typed>() => arrays[next++] as T;
    const tieKeys = take<Float64Array>();
    const layers = new Map<number, GraphLayer>();
    for (const { scope, live, present } of header.layers as { scope: number; live: number; present: boolean[] }[]) {
      const [outNodes, outOffsets, targets, weights, expiries, inNodes, inOffsets, sources, mirror] = present.map(
        (p) => (p ? take() : null),
      );
      const out: Rows = { nodes: outNodes as Int32Array | null, offsets: outOffsets as Int32Array };
      const inRows: Rows = { nodes: inNodes as Int32Array | null, offsets: inOffsets as Int32Array };
      const layer: LayerArrays = {
        out,
        targets: targets as Int32Array,
        weights: weights as Float32Array,
        expiries: expiries as Uint32Array,
        in: inRows,
        sources: sources as Int32Array,
        mirror: mirror as Int32Array,
      };
      if (!consistent(layer)) return undefined;
      layers.set(scope, new GraphLayer(layer, live));
    }
    const tieLoaded = Number(header.tieLoaded);
    if (!Number.isSafeInteger(tieLoaded) || tieLoaded >= tieKeys.length) return undefined;
    return {
      epoch: String(header.epoch),
      vouchSeq: Number(header.vouchSeq),
      revocationSeq: Number(header.revocationSeq),
      tieKeys,
      tieLoaded,
      layers,
    };
  } catch {
    return undefined;
  }
}

/** Shape checks, so a damaged file is rebuilt from SQLite instead of misread. */
function consistent(layer: LayerArrays): boolean {
  const rowsOk = (rows: Rows, edges: number) =>
    rows.offsets.length >= 1 &&
    rows.offsets[rows.offsets.length - 1] === edges &&
    (rows.nodes === null || rows.nodes.length === rows.offsets.length - 1);
  const edges = layer.targets.length;
  if (layer.weights.length !== edges || layer.expiries.length !== edges) return false;
  if (layer.sources.length !== edges || layer.mirror.length !== edges) return false;
  if (!rowsOk(layer.out, edges) || !rowsOk(layer.in, edges)) return false;
  for (let i = 0; i < edges; i++) if ((layer.mirror[i] as number) >>> 0 >= edges) return false;
  return true;
}

function align(n: number): number {
  return (n + 7) & ~7;
}
