import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Envelope encryption. Every record gets its own random data key; the data key is stored wrapped
 * by a master key (AES-256-GCM, master key id kept so keys can rotate). Purging a record deletes its
 * data key, so copies of the ciphertext in backups become unreadable (crypto-shredding).
 */
export interface Keyring {
  currentId: string;
  keys: Map<string, Buffer>;
  /** HMAC key for keyed hashes (repeat reports, consultation references); never rotates silently. */
  indexKey: Buffer;
  /** Its id, stored with every keyed hash (so a rotation knows what is left to rehash). */
  indexKeyId: string;
  /** Every index key configured: the current one and those a rotation still needs to look up. */
  indexKeys: Map<string, Buffer>;
  /** The index key was derived from the data key (no VARNA_INDEX_KEY: development only). */
  indexDerived: boolean;
}

/** Which key, which kind: for the key check values stored per key id (see key-rotation.ts). */
export interface KeyCheck {
  kind: 'data' | 'index';
  id: string;
  current: boolean;
  /** HMAC-SHA256 of a fixed text under the key: names the key without revealing it. */
  check: string;
}

export interface Sealed {
  v: 1;
  iv: string;
  ct: string;
  tag: string;
}

export interface WrappedKey {
  masterKeyId: string;
  wrapped: string;
}

export function makeKeyring(
  currentId: string,
  current: Buffer,
  old: Array<[string, Buffer]> = [],
  indexKey?: Buffer,
  index: { id?: string; old?: Array<[string, Buffer]> } = {},
): Keyring {
  const indexKeyId = index.id ?? 'i1';
  const currentIndex = indexKey ?? Buffer.from(hkdfSync('sha256', current, Buffer.alloc(0), 'varna-index-v1', 32));
  return {
    currentId,
    keys: new Map([[currentId, current], ...old]),
    indexKey: currentIndex,
    indexKeyId,
    indexKeys: new Map([[indexKeyId, currentIndex], ...(index.old ?? [])]),
    indexDerived: !indexKey,
  };
}

const checkValue = (kind: KeyCheck['kind'], key: Buffer) =>
  createHmac('sha256', key).update(`varna ${kind} key check v1`).digest('base64url');

function encrypt(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { v: 1, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

function decrypt(key: Buffer, sealed: Sealed, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]);
}

export function makeCipher(keyring: Keyring) {
  return {
    /** A fresh data key for one record, and its wrapped form to store. */
    newDataKey(recordId: string): { key: Buffer; wrapped: WrappedKey } {
      const key = randomBytes(32);
      const master = keyring.keys.get(keyring.currentId)!;
      const sealed = encrypt(master, key, `dk:${recordId}`);
      return { key, wrapped: { masterKeyId: keyring.currentId, wrapped: JSON.stringify(sealed) } };
    },
    unwrap(recordId: string, { masterKeyId, wrapped }: WrappedKey): Buffer {
      const master = keyring.keys.get(masterKeyId);
      if (!master) throw new Error(`master key ${masterKeyId} is not configured`);
      return decrypt(master, JSON.parse(wrapped) as Sealed, `dk:${recordId}`);
    },
    /** Re-wraps a data key under the current master key (key rotation, no data re-encryption). */
    rewrap(recordId: string, wrapped: WrappedKey): WrappedKey {
      if (wrapped.masterKeyId === keyring.currentId) return wrapped;
      const key = this.unwrap(recordId, wrapped);
      return {
        masterKeyId: keyring.currentId,
        wrapped: JSON.stringify(encrypt(keyring.keys.get(keyring.currentId)!, key, `dk:${recordId}`)),
      };
    },
    /** The aad binds a ciphertext to its record and field, so it cannot be moved to another. */
    seal(key: Buffer, value: unknown, aad: string): string {
      return JSON.stringify(encrypt(key, Buffer.from(JSON.stringify(value), 'utf8'), aad));
    },
    open<T>(key: Buffer, sealed: string, aad: string): T {
      return JSON.parse(decrypt(key, JSON.parse(sealed) as Sealed, aad).toString('utf8')) as T;
    },
    /** Keyed hash: equal inputs compare equal, the input cannot be recovered without the key. */
    keyedHash(purpose: string, value: string): string {
      return createHmac('sha256', keyring.indexKey).update(`${purpose}\u0000${value}`).digest('base64url');
    },
    /**
     * The keyed hash under every configured index key, the current one first: what a look-up must
     * match while a rotation is under way (rows not yet rehashed carry an older key's hash).
     */
    keyedHashes(purpose: string, value: string): string[] {
      return [...keyring.indexKeys.values()].map((key) => createHmac('sha256', key).update(`${purpose}\u0000${value}`).digest('base64url'));
    },
    /** The id stored with a new keyed hash. */
    indexKeyId: keyring.indexKeyId,
    /** The id stored with a newly wrapped data key. */
    dataKeyId: keyring.currentId,
    /** One check value per configured key, to compare with those stored under the same ids. */
    keyChecks(): KeyCheck[] {
      return [
        ...[...keyring.keys].map(([id, key]) => ({
          kind: 'data' as const,
          id,
          current: id === keyring.currentId,
          check: checkValue('data', key),
        })),
        ...[...keyring.indexKeys].map(([id, key]) => ({
          kind: 'index' as const,
          id,
          current: id === keyring.indexKeyId,
          check: checkValue('index', key),
        })),
      ];
    },
    hasKey: (kind: KeyCheck['kind'], id: string) => (kind === 'data' ? keyring.keys : keyring.indexKeys).has(id),
    indexDerived: keyring.indexDerived,
  };
}
export type Cipher = ReturnType<typeof makeCipher>;
