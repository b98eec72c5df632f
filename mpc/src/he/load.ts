import type { Ciphertext, RelinKeys } from 'node-seal';
import { MpcError } from '../errors.ts';
import type { THeContext } from '../seal.ts';
import { checkSerialized } from '../serialized.ts';

/** Deletes SEAL objects on every path: `track` what you create, `free()` in a finally. */
export function sealScope() {
  const owned: { delete(): void; isDeleted(): boolean }[] = [];
  return {
    track<T extends { delete(): void; isDeleted(): boolean }>(o: T): T {
      owned.push(o);
      return o;
    },
    free() {
      for (const o of owned.splice(0)) if (!o.isDeleted()) o.delete();
    },
  };
}
export type TSealScope = ReturnType<typeof sealScope>;

/**
 * A client's fresh ciphertext: framing checked by our code first, then SEAL's validating load
 * against the context, then what a fresh one must be (two polynomials at the first data level,
 * at the parameter set's scale).
 */
export function loadCiphertext(ctx: THeContext, bytes: Uint8Array, scope: TSealScope): Ciphertext {
  checkSerialized(bytes, 'ciphertext', ctx.set);
  const ct = scope.track(new ctx.seal.Ciphertext());
  sealLoad(ctx, () => ct.loadFromArray(ctx.context, bytes), 'ciphertext');
  if (
    ct.size() !== 2 ||
    ct.coeffModulusSize() !== ctx.set.coeffModulusBits.length - 1 ||
    ct.scale() !== ctx.scale ||
    !ct.isNttForm()
  ) {
    throw new MpcError(
      'MPC_BYTES_INVALID',
      `ciphertext is not fresh under ${ctx.set.id}: size ${ct.size()}, ${ct.coeffModulusSize()} primes, scale 2^${Math.log2(ct.scale())}`,
    );
  }
  return ct;
}

/** Relinearisation keys, checked as {@link loadCiphertext} checks ciphertexts. */
export function loadRelinKeys(ctx: THeContext, bytes: Uint8Array, scope: TSealScope): RelinKeys {
  checkSerialized(bytes, 'relinKeys', ctx.set);
  const keys = scope.track(new ctx.seal.RelinKeys());
  sealLoad(ctx, () => keys.loadFromArray(ctx.context, bytes), 'relinearisation keys');
  return keys;
}

function sealLoad(ctx: THeContext, load: () => void, what: string) {
  try {
    load();
  } catch (err) {
    throw new MpcError('MPC_BYTES_INVALID', `SEAL refused the ${what}: ${sealMessage(ctx, err)}`);
  }
}

/** SEAL's own message for a C++ exception thrown through WebAssembly. */
export function sealMessage(ctx: THeContext, err: unknown): string {
  const get = (ctx.seal as unknown as { getExceptionMessage?: (e: unknown) => string[] }).getExceptionMessage;
  if (err instanceof WebAssembly.Exception && get) return get(err).join(': ');
  return err instanceof Error ? err.message : String(err);
}
