import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeEd25519, generateEd25519 } from '../../lib/core/sshkey.ts';

const hasSshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status !== undefined && (error as { code?: string }).code !== 'ENOENT';
  }
})();

describe('sshkey', () => {
  it('encodes a known seed the same way every time', () => {
    const a = encodeEd25519(Buffer.alloc(32, 1), Buffer.alloc(32, 2), 'c', 7);
    const b = encodeEd25519(Buffer.alloc(32, 1), Buffer.alloc(32, 2), 'c', 7);
    expect(a).toEqual(b);
    expect(a.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/=]+ c$/);
  });

  it.runIf(hasSshKeygen)('writes a private key that ssh-keygen reads back to the same public key', () => {
    const pair = generateEd25519('test@ec4docker');
    const dir = mkdtempSync(join(tmpdir(), 'ec4d-key-'));
    const file = join(dir, 'id_ed25519');
    writeFileSync(file, pair.privateKey);
    chmodSync(file, 0o600);
    const derived = execFileSync('ssh-keygen', ['-y', '-f', file]).toString().trim();
    expect(derived.split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2));
    expect(readFileSync(file, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
  });
});
