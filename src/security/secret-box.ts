import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretDecryptionError } from '../domain/errors.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

/**
 * Stored form of one encrypted secret: `v<keyVersion>.<iv>.<tag>.<ciphertext>` (base64url parts).
 * The key version travels with the ciphertext so a rotation can tell old from new.
 */
export type SealedSecret = string;

export interface MasterKey {
  version: number;
  key: Buffer;
}

/**
 * AES-256-GCM with a fresh random 12-byte IV per encryption. The caller binds the secret to where it
 * lives (row id + field) as additional authenticated data, so a ciphertext copied to another row or
 * field fails to decrypt instead of silently becoming that row's secret.
 */
export class SecretBox {
  readonly #key: MasterKey;

  constructor(key: MasterKey) {
    if (key.key.length !== MASTER_KEY_BYTES) {
      throw new Error(`Expected a ${MASTER_KEY_BYTES}-byte master key, got ${key.key.length} bytes`);
    }
    if (!Number.isInteger(key.version) || key.version < 1) {
      throw new Error(`Expected key version to be an integer >= 1, got ${key.version}`);
    }
    this.#key = key;
  }

  get keyVersion(): number {
    return this.#key.version;
  }

  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(context, this.#key.version));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [`v${this.#key.version}`, b64(iv), b64(tag), b64(ciphertext)].join('.');
  }

  open(sealed: SealedSecret, context: string): string {
    const parts = parseSealed(sealed);
    if (parts.version !== this.#key.version) {
      throw new SecretDecryptionError(
        `Secret was encrypted with key version ${parts.version}, but the loaded master key is version ${this.#key.version}`,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key.key, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(context, parts.version));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new SecretDecryptionError(
        `Cannot decrypt the secret stored for ${context}: wrong master key or tampered data`,
        { cause },
      );
    }
  }
}

export function sealedKeyVersion(sealed: SealedSecret): number {
  return parseSealed(sealed).version;
}

function aad(context: string, version: number): Buffer {
  return Buffer.from(`cts:v${version}:${context}`, 'utf8');
}

function parseSealed(sealed: SealedSecret): { version: number; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const [v, iv, tag, ct] = sealed.split('.');
  const version = v?.startsWith('v') ? Number(v.slice(1)) : NaN;
  if (!Number.isInteger(version) || iv === undefined || tag === undefined || ct === undefined) {
    throw new SecretDecryptionError('Stored secret is malformed (not a CTS sealed secret)');
  }
  const parts = { version, iv: unb64(iv), tag: unb64(tag), ciphertext: unb64(ct) };
  if (parts.iv.length !== IV_BYTES || parts.tag.length !== TAG_BYTES) {
    throw new SecretDecryptionError('Stored secret is malformed (bad IV or tag length)');
  }
  return parts;
}

function b64(buf: Buffer): string {
  return buf.toString('base64url');
}

function unb64(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}
