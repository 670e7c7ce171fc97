// SHA-256 and SHA-512 in pure JS (@noble/hashes): the `#sha2` import everywhere but Node (browsers,
// workers, any runtime without the "node" export condition).
export { sha256, sha512 } from '@noble/hashes/sha2.js';
