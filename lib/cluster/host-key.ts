// The cluster's SSH login key, kept on the host in ~/.ec4docker/<cluster>/.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generateEd25519 } from '../core/sshkey.ts';

/** Where the host keeps the cluster's SSH login key. */
export function hostKeyPath(serverName: string): string {
  return join(homedir(), '.ec4docker', serverName, 'id_ed25519');
}

/** The cluster's public login key, made the first time. */
export function ensureHostKey(serverName: string): string {
  const keyFile = hostKeyPath(serverName);
  if (existsSync(keyFile) && existsSync(`${keyFile}.pub`)) return readFileSync(`${keyFile}.pub`, 'utf8').trim();
  mkdirSync(join(homedir(), '.ec4docker', serverName), { recursive: true, mode: 0o700 });
  const pair = generateEd25519(`ec4docker@${serverName}`);
  writeFileSync(keyFile, pair.privateKey, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(`${keyFile}.pub`, `${pair.publicKey}\n`, { mode: 0o644 });
  return pair.publicKey;
}
