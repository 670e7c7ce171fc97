// @aip/identity/node: the parts that need a file system (Node, Bun, Deno): the key store in
// $AIP_HOME, crash-safe file writes and the passphrase box they use.
export { removeStaleTempFiles, writeFileAtomic } from './atomic-file.js';
export {
  defaultAipHome,
  IDENTITY_FILE,
  identityExists,
  type KeyStoreOptions,
  type LoadIdentityOptions,
  loadIdentity,
  RECOVERY_FILE,
  readIdentityInfo,
  type SaveIdentityOptions,
  type StoredIdentityInfo,
  saveIdentity,
} from './key-store.js';
