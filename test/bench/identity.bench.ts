// @aip/identity benchmarks: Ed25519 sign and verify on the native path, the pure-JS fallback and
// raw node:crypto, in one run (DESIGN §8 `identity.verify`).
import crypto from 'node:crypto';
import { createSigner, generateSecretKey, getPublicKey, verify } from '@aip/identity';
import { compareRates, result, type Suite } from './harness.js';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export const identitySuite: Suite = {
  name: 'identity',
  async run() {
    // 16 keys, 1024 distinct messages: a realistic mix of cache hits on keys, none on signatures.
    const keys = Array.from({ length: 16 }, () => {
      const secretKey = generateSecretKey();
      const publicKey = getPublicKey(secretKey);
      return {
        secretKey,
        publicKey,
        nodePublic: crypto.createPublicKey({
          key: Buffer.concat([SPKI_PREFIX, publicKey]),
          format: 'der',
          type: 'spki',
        }),
        nodePrivate: crypto.createPrivateKey({
          key: Buffer.concat([PKCS8_PREFIX, secretKey]),
          format: 'der',
          type: 'pkcs8',
        }),
        sign: createSigner(secretKey, { backend: 'node' }),
        signNoble: createSigner(secretKey, { backend: 'noble' }),
      };
    });
    const cases = Array.from({ length: 1024 }, (_, i) => {
      const key = keys[i % keys.length] as (typeof keys)[number];
      const message = crypto.randomBytes(200);
      return { key, message: new Uint8Array(message), signature: key.sign(message) };
    });
    const at = (i: number) => cases[i % cases.length] as (typeof cases)[number];

    const rawVerify = (i: number) => {
      const c = at(i);
      crypto.verify(null, c.message, c.key.nodePublic, c.signature);
    };
    const nativeVerify = (i: number) => {
      const c = at(i);
      verify(c.signature, c.message, c.key.publicKey, { backend: 'node' });
    };
    const nobleVerify = (i: number) => {
      const c = at(i);
      verify(c.signature, c.message, c.key.publicKey, { backend: 'noble' });
    };
    const rawSign = (i: number) => {
      const c = at(i);
      crypto.sign(null, c.message, c.key.nodePrivate);
    };
    const nativeSign = (i: number) => {
      const c = at(i);
      c.key.sign(c.message);
    };
    const nobleSign = (i: number) => {
      const c = at(i);
      c.key.signNoble(c.message);
    };

    const verifyNative = compareRates(nativeVerify, rawVerify);
    const verifyNoble = compareRates(nobleVerify, rawVerify, 3, 200);
    const signNative = compareRates(nativeSign, rawSign);
    const signNoble = compareRates(nobleSign, rawSign, 3, 200);
    return [
      result('identity.verify', verifyNative.value, 'verify/s', verifyNative.baseline, '>= 0.9'),
      result('identity.verify.noble', verifyNoble.value, 'verify/s', verifyNoble.baseline, null),
      result('identity.sign', signNative.value, 'sign/s', signNative.baseline, null),
      result('identity.sign.noble', signNoble.value, 'sign/s', signNoble.baseline, null),
    ];
  },
};
