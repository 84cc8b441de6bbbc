import { describe, expect, it } from 'vitest';
import { SecretDecryptionError } from '../../src/domain/errors.js';
import { generateMasterKey } from '../../src/security/master-key.js';
import { SecretBox, sealedKeyVersion } from '../../src/security/secret-box.js';

const box = new SecretBox(generateMasterKey(1));

describe('SecretBox (AES-256-GCM)', () => {
  it('round-trips and never produces the same ciphertext twice (fresh IV)', () => {
    const a = box.seal('my-secret', 'connection:1:apiSecret');
    const b = box.seal('my-secret', 'connection:1:apiSecret');
    expect(a).not.toBe(b);
    expect(a).not.toContain('my-secret');
    expect(box.open(a, 'connection:1:apiSecret')).toBe('my-secret');
    expect(sealedKeyVersion(a)).toBe(1);
  });

  it('fails clearly when any byte of the stored ciphertext is flipped', () => {
    const sealed = box.seal('a much longer secret value', 'connection:1:apiSecret');
    const [v, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    for (const part of ['iv', 'tag', 'ct'] as const) {
      const bytes = Buffer.from({ iv, tag, ct }[part], 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      const flipped = { iv, tag, ct, [part]: bytes.toString('base64url') };
      const tampered = [v, flipped.iv, flipped.tag, flipped.ct].join('.');
      expect(() => box.open(tampered, 'connection:1:apiSecret')).toThrow(SecretDecryptionError);
      expect(() => box.open(tampered, 'connection:1:apiSecret')).toThrow(/wrong master key or tampered data/);
    }
  });

  it('refuses a ciphertext moved to another row or field (identity bound as AAD)', () => {
    const sealed = box.seal('secret', 'connection:AAA:apiSecret');
    expect(() => box.open(sealed, 'connection:BBB:apiSecret')).toThrow(SecretDecryptionError);
    expect(() => box.open(sealed, 'connection:AAA:passphrase')).toThrow(SecretDecryptionError);
  });

  it('refuses a different key and a different key version', () => {
    const sealed = box.seal('secret', 'ctx');
    expect(() => new SecretBox(generateMasterKey(1)).open(sealed, 'ctx')).toThrow(SecretDecryptionError);
    expect(() => new SecretBox(generateMasterKey(2)).open(sealed, 'ctx')).toThrow(/key version 1/);
  });

  it('rejects malformed stored values and bad keys', () => {
    expect(() => box.open('plaintext', 'ctx')).toThrow(/malformed/);
    expect(() => box.open('v1.AAAA.BBBB.CCCC', 'ctx')).toThrow(/malformed/);
    expect(() => new SecretBox({ version: 1, key: Buffer.alloc(16) })).toThrow(/32-byte/);
    expect(() => new SecretBox({ version: 0, key: Buffer.alloc(32) })).toThrow(/version/);
  });
});
