import { MpcError } from '../errors.ts';
import { sealScope } from '../he/load.ts';
import { paramSet, type TParamSetId } from '../params.ts';
import { heContext } from '../seal.ts';

/** An operator's CKKS keys, serialised: the secret key never leaves the operator. */
export type THeKeys = {
  paramSet: TParamSetId;
  secretKey: Uint8Array;
  /** Seeded relinearisation keys, made only when asked for (a polynomial model). */
  relinKeys: Uint8Array | null;
};

/**
 * Generates a secret key for `paramSet` and, when `relin` is set, the relinearisation keys a
 * polynomial model needs (the linear model needs none).
 *
 * @example
 * const keys = await createHeKeys('ckks-8192')
 */
export async function createHeKeys(paramSet: TParamSetId, opts: { relin?: boolean } = {}): Promise<THeKeys> {
  const ctx = await heContext(paramSet);
  const s = sealScope();
  try {
    const gen = s.track(new ctx.seal.KeyGenerator(ctx.context));
    const sk = s.track(gen.secretKey());
    const relinKeys = opts.relin
      ? Uint8Array.from(s.track(gen.createRelinKeysSerializable()).saveToArray(ctx.seal.ComprModeType.none))
      : null;
    return { paramSet, secretKey: Uint8Array.from(sk.saveToArray(ctx.seal.ComprModeType.none)), relinKeys };
  } finally {
    s.free();
  }
}

/**
 * Encrypts a model with the secret key (seeded ciphertexts, half the size of public-key ones):
 * one ciphertext per weight, every slot holding the weight, then one for the bias. Returns them
 * concatenated, as the API takes them.
 */
export async function encryptModel(
  keys: THeKeys,
  weights: readonly number[],
  bias: number,
): Promise<Uint8Array> {
  if (weights.length < 1 || [...weights, bias].some((w) => !Number.isFinite(w))) {
    throw new MpcError('MPC_INPUT_INVALID', 'a model needs at least one weight, all finite');
  }
  const ctx = await heContext(keys.paramSet);
  const s = sealScope();
  try {
    const sk = s.track(new ctx.seal.SecretKey());
    sk.loadFromArray(ctx.context, keys.secretKey);
    const pk = s.track(new ctx.seal.KeyGenerator(ctx.context, sk)).createPublicKey();
    s.track(pk);
    const encryptor = s.track(new ctx.seal.Encryptor(ctx.context, pk, sk));
    const pt = s.track(new ctx.seal.Plaintext());
    const parts = [...weights, bias].map((w) => {
      ctx.encoder.encode(new Float64Array(ctx.set.slots).fill(w), ctx.scale, pt);
      const ct = s.track(encryptor.encryptSymmetricSerializable(pt));
      return Uint8Array.from(ct.saveToArray(ctx.seal.ComprModeType.none));
    });
    return concat(parts);
  } finally {
    s.free();
  }
}

/** Decrypts a result: the first `groups` slots, ciphertext after ciphertext. */
export async function decryptScores(keys: THeKeys, result: Uint8Array, groups: number): Promise<number[]> {
  const ctx = await heContext(keys.paramSet);
  const set = paramSet(keys.paramSet);
  const s = sealScope();
  try {
    const sk = s.track(new ctx.seal.SecretKey());
    sk.loadFromArray(ctx.context, keys.secretKey);
    const decryptor = s.track(new ctx.seal.Decryptor(ctx.context, sk));
    const pt = s.track(new ctx.seal.Plaintext());
    const scores: number[] = [];
    for (const bytes of splitResult(result)) {
      const ct = s.track(new ctx.seal.Ciphertext());
      ct.loadFromArray(ctx.context, bytes);
      decryptor.decrypt(ct, pt);
      const values = ctx.encoder.decodeFloat64(pt) as Float64Array;
      scores.push(...values.subarray(0, Math.min(set.slots, groups - scores.length)));
    }
    if (scores.length !== groups)
      throw new MpcError('MPC_INPUT_INVALID', `${groups} scores expected, ${scores.length} found`);
    return scores;
  } finally {
    s.free();
  }
}

/**
 * Every slot of a result, for checking that the slots other than the scores are zero.
 */
export async function decryptSlots(keys: THeKeys, ciphertext: Uint8Array): Promise<Float64Array> {
  const ctx = await heContext(keys.paramSet);
  const s = sealScope();
  try {
    const sk = s.track(new ctx.seal.SecretKey());
    sk.loadFromArray(ctx.context, keys.secretKey);
    const ct = s.track(new ctx.seal.Ciphertext());
    ct.loadFromArray(ctx.context, ciphertext);
    const pt = s.track(new ctx.seal.Plaintext());
    s.track(new ctx.seal.Decryptor(ctx.context, sk)).decrypt(ct, pt);
    return Float64Array.from(ctx.encoder.decodeFloat64(pt) as Float64Array);
  } finally {
    s.free();
  }
}

/** Splits concatenated SEAL serialisations by their headers' sizes. */
export function splitResult(bytes: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Number(new DataView(bytes.buffer, bytes.byteOffset + at, 16).getBigUint64(8, true));
    if (size < 16 || at + size > bytes.length) throw new MpcError('MPC_BYTES_MALFORMED', 'result truncated');
    parts.push(bytes.subarray(at, at + size));
    at += size;
  }
  return parts;
}

export const concat = (parts: readonly Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
