// Ed25519 key pairs in OpenSSH's own formats, made with Node's crypto so that the host
// needs no ssh-keygen. Format: PROTOCOL.key in the OpenSSH sources ("openssh-key-v1").
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export interface SshKeyPair {
  privateKey: string; // "-----BEGIN OPENSSH PRIVATE KEY-----" ... (unencrypted)
  publicKey: string; // "ssh-ed25519 AAAA... comment"
}

const sshString = (data: Buffer | string): Buffer => {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
};
const uint32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
};

/** Encodes a raw ed25519 seed and public key (32 bytes each) as OpenSSH key files. */
export function encodeEd25519(seed: Buffer, pub: Buffer, comment: string, checkInt: number): SshKeyPair {
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  let secret = Buffer.concat([
    uint32(checkInt),
    uint32(checkInt),
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  // pad with 1, 2, 3, ... to the cipher block size ("none": 8)
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  secret = Buffer.concat([secret, padding]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(publicBlob),
    sshString(secret),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

/** A new random ed25519 key pair. */
export function generateEd25519(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwkPrivate = privateKey.export({ format: 'jwk' });
  const jwkPublic = publicKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwkPrivate.d ?? '', 'base64url');
  const pub = Buffer.from(jwkPublic.x ?? '', 'base64url');
  return encodeEd25519(seed, pub, comment, randomBytes(4).readUInt32BE());
}
