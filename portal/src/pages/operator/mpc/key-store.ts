import type { THeKeys, TParamSetId } from '@enclave/mpc/client';

/**
 * The operator's HE keys, kept in this browser's IndexedDB and nowhere else: the secret key is
 * generated here and never sent. One entry per signed-in user and parameter set.
 */

const DB = 'enclave-mpc';
const STORE = 'he-keys';

export type TStoredKeys = THeKeys & { createdAt: string };

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function inStore<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = op(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

const keyOf = (userId: string, paramSet: TParamSetId) => `${userId}:${paramSet}`;

export const readKeys = (userId: string, paramSet: TParamSetId) =>
  inStore<TStoredKeys | undefined>('readonly', (s) => s.get(keyOf(userId, paramSet)));

export const saveKeys = (userId: string, keys: TStoredKeys) =>
  inStore<unknown>('readwrite', (s) => s.put(keys, keyOf(userId, keys.paramSet)));

export const forgetKeys = (userId: string, paramSet: TParamSetId) =>
  inStore<unknown>('readwrite', (s) => s.delete(keyOf(userId, paramSet)));
