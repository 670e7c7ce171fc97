// The identity in $AIP_HOME, unlocked with $AIP_PASSPHRASE or a terminal prompt when encrypted.
import type { Identity } from '@aip/identity';
import { loadIdentity, type StoredIdentityInfo } from '@aip/identity/node';
import { readPassphrase } from './passphrase.js';

export function loadLocalIdentity(): Promise<{ identity: Identity; info: StoredIdentityInfo }> {
  return loadIdentity({ passphrase: () => readPassphrase({ purpose: 'to unlock the identity' }) });
}
