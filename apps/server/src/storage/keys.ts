/**
 * Master keys and the wrapping of data keys (see format.ts for the format of stored files).
 *
 * Every blob has its own random 256-bit data key. In the `blobs` row it is kept wrapped by a master
 * key with AES-256-GCM: `nonce (12 bytes) ‖ ciphertext (32) ‖ tag (16)`, a random nonce, and the blob
 * id as additional data, so a wrapped key copied onto another blob's row does not unwrap. Beside it,
 * the row names the master key by its id: the first 8 bytes of HMAC-SHA256(master key, a fixed
 * label), in hex. The id reveals nothing about the key, tells an operator which key a blob needs,
 * and lets rotation find the rows still under an old key.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { BlobIntegrityError } from './errors.ts';
import { TAG_SIZE } from './format.ts';

const KEY_SIZE = 32;
const NONCE_SIZE = 12;
const WRAP_LABEL = Buffer.from('kakehashi blob data key v1\0');

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The current master key wraps new data keys; previous ones are kept only to unwrap until rotation is done. */
export interface Keyring {
  current: MasterKey;
  byId: ReadonlyMap<string, MasterKey>;
}

export function masterKey(key: Buffer): MasterKey {
  if (key.length !== KEY_SIZE) throw new TypeError(`a master key has ${KEY_SIZE} bytes`);
  return { id: createHmac('sha256', key).update('kakehashi master key id').digest().subarray(0, 8).toString('hex'), key };
}

export function keyring(current: Buffer, previous: Buffer[] = []): Keyring {
  const keys = [current, ...previous].map(masterKey);
  return { current: keys[0], byId: new Map(keys.map((k) => [k.id, k])) };
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_SIZE);
}

export function wrapDataKey(master: MasterKey, blobId: Buffer, dataKey: Buffer): Buffer {
  const nonce = randomBytes(NONCE_SIZE);
  const cipher = createCipheriv('aes-256-gcm', master.key, nonce);
  cipher.setAAD(Buffer.concat([WRAP_LABEL, blobId]));
  return Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function unwrapDataKey(master: MasterKey, blobId: Buffer, wrapped: Uint8Array): Buffer {
  const bytes = Buffer.from(wrapped);
  if (bytes.length !== NONCE_SIZE + KEY_SIZE + TAG_SIZE) throw new BlobIntegrityError('wrapped data key has the wrong length');
  const decipher = createDecipheriv('aes-256-gcm', master.key, bytes.subarray(0, NONCE_SIZE));
  decipher.setAAD(Buffer.concat([WRAP_LABEL, blobId]));
  decipher.setAuthTag(bytes.subarray(NONCE_SIZE + KEY_SIZE));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_SIZE, NONCE_SIZE + KEY_SIZE)), decipher.final()]);
  } catch {
    throw new BlobIntegrityError('wrapped data key failed authentication');
  }
}
