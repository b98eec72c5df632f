import { describe, expect, it } from 'vitest';
import { createHeKeys, encryptModel, splitResult } from './client/he.ts';
import { loadCiphertext, loadRelinKeys, sealScope } from './he/load.ts';
import { PARAM_SETS } from './params.ts';
import { heContext } from './seal.ts';
import { checkSerialized, splitSerialized } from './serialized.ts';

const set = PARAM_SETS['ckks-8192'];

async function fresh() {
  const keys = await createHeKeys('ckks-8192', { relin: true });
  const [ct] = splitResult(await encryptModel(keys, [1.5], 0));
  return { keys, ct: ct! };
}

/** Encrypts `value` at `scale` with a fresh secret key and serialises it with compression `mode`. */
async function serialised(scale: number, mode: 'none' | 'zstd' | 'zlib' = 'none') {
  const ctx = await heContext('ckks-8192');
  const keys = await createHeKeys('ckks-8192');
  const s = sealScope();
  try {
    const sk = s.track(new ctx.seal.SecretKey());
    sk.loadFromArray(ctx.context, keys.secretKey);
    const gen = s.track(new ctx.seal.KeyGenerator(ctx.context, sk));
    const enc = s.track(new ctx.seal.Encryptor(ctx.context, s.track(gen.createPublicKey()), sk));
    const pt = s.track(new ctx.seal.Plaintext());
    ctx.encoder.encode(Float64Array.of(1), scale, pt);
    return Uint8Array.from(
      s.track(enc.encryptSymmetricSerializable(pt)).saveToArray(ctx.seal.ComprModeType[mode]),
    );
  } finally {
    s.free();
  }
}

/** A SEAL header for `size` bytes with compression `mode`, followed by `body`. */
function framed(size: number, mode: number, body: Uint8Array = new Uint8Array(0)) {
  const out = new Uint8Array(16 + body.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xa15e, true);
  v.setUint8(2, 16);
  v.setUint8(3, 4);
  v.setUint8(4, 1);
  v.setUint8(5, mode);
  v.setBigUint64(8, BigInt(size), true);
  out.set(body, 16);
  return out;
}

describe('checkSerialized: hostile bytes never reach SEAL', () => {
  it('accepts a fresh ciphertext of the set', async () => {
    const { ct } = await fresh();
    expect(() => checkSerialized(ct, 'ciphertext', set)).not.toThrow();
  });

  it('refuses truncated, random, oversized and mis-sized bytes', async () => {
    const { ct } = await fresh();
    const code = (b: Uint8Array) => {
      try {
        checkSerialized(b, 'ciphertext', set);
        return 'accepted';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code(ct.subarray(0, ct.length - 1))).toBe('MPC_BYTES_MALFORMED');
    expect(code(ct.subarray(0, 10))).toBe('MPC_BYTES_MALFORMED');
    expect(code(crypto.getRandomValues(new Uint8Array(4096)))).toBe('MPC_BYTES_MALFORMED');
    expect(code(new Uint8Array(set.sizes.ciphertext[1]! + 1))).toBe('MPC_BYTES_TOO_LARGE');
    // Right header, a size SEAL never produces for this set.
    const odd = framed(200_000, 0, new Uint8Array(200_000 - 16));
    expect(code(odd)).toBe('MPC_BYTES_MALFORMED');
    // The header's size disagrees with the bytes.
    const lying = Uint8Array.from(ct);
    new DataView(lying.buffer).setBigUint64(8, 100n, true);
    expect(code(lying)).toBe('MPC_BYTES_MALFORMED');
    const wrongVersion = Uint8Array.from(ct);
    wrongVersion[3] = 3;
    expect(code(wrongVersion)).toBe('MPC_BYTES_MALFORMED');
  });

  it('refuses compressed serialisations, a 32 KB zstd bomb included, before SEAL inflates them', async () => {
    for (const mode of ['zstd', 'zlib'] as const) {
      const compressed = await serialised(2 ** 40, mode);
      expect(() => checkSerialized(compressed, 'ciphertext', set)).toThrow(
        expect.objectContaining({ code: 'MPC_BYTES_COMPRESSED' }),
      );
    }
    // A header claiming zstd over 32 KB of zeros: refused on the header alone.
    const bomb = framed(32 * 1024, 2, new Uint8Array(32 * 1024 - 16));
    expect(() => checkSerialized(bomb, 'ciphertext', set)).toThrow(
      expect.objectContaining({ code: 'MPC_BYTES_COMPRESSED' }),
    );
  });

  it('refuses a ciphertext of the other parameter set, either way', async () => {
    const k16 = await createHeKeys('ckks-16384');
    const [ct16] = splitResult(await encryptModel(k16, [1], 0));
    expect(() => checkSerialized(ct16!, 'ciphertext', set)).toThrow(
      expect.objectContaining({ code: 'MPC_BYTES_TOO_LARGE' }),
    );
    const { ct } = await fresh();
    expect(() => checkSerialized(ct, 'ciphertext', PARAM_SETS['ckks-16384'])).toThrow(
      expect.objectContaining({ code: 'MPC_BYTES_MALFORMED' }),
    );
  });

  it('splits concatenated objects and caps their number', async () => {
    const { ct } = await fresh();
    const body = new Uint8Array(Buffer.concat([ct, ct, ct]));
    expect(splitSerialized(body, 'ciphertext', set, 3)).toHaveLength(3);
    expect(() => splitSerialized(body, 'ciphertext', set, 2)).toThrow(
      expect.objectContaining({ code: 'MPC_BYTES_TOO_LARGE' }),
    );
    expect(() => splitSerialized(body.subarray(0, body.length - 5), 'ciphertext', set, 3)).toThrow(
      expect.objectContaining({ code: 'MPC_BYTES_MALFORMED' }),
    );
  });
});

describe('loading: SEAL validates what our framing let through', () => {
  it('refuses a well-framed object of the right size whose body is random', async () => {
    const ctx = await heContext('ckks-8192');
    const { ct, keys } = await fresh();
    const s = sealScope();
    try {
      const forged = Uint8Array.from(ct);
      crypto.getRandomValues(forged.subarray(16, 16 + 65536));
      forged.set(crypto.getRandomValues(new Uint8Array(65536)), 100_000);
      expect(() => loadCiphertext(ctx, forged, s)).toThrow(
        expect.objectContaining({ code: 'MPC_BYTES_INVALID' }),
      );
      const keysForged = Uint8Array.from(keys.relinKeys!);
      keysForged.set(crypto.getRandomValues(new Uint8Array(65536)), 1000);
      expect(() => loadRelinKeys(ctx, keysForged, s)).toThrow(
        expect.objectContaining({ code: 'MPC_BYTES_INVALID' }),
      );
      expect(loadCiphertext(ctx, ct, s).size()).toBe(2);
    } finally {
      s.free();
    }
  });

  it('refuses a valid ciphertext that is not fresh at the set scale', async () => {
    const ctx = await heContext('ckks-8192');
    const s = sealScope();
    try {
      const odd = await serialised(2 ** 30);
      expect(() => loadCiphertext(ctx, odd, s)).toThrow(
        expect.objectContaining({ code: 'MPC_BYTES_INVALID' }),
      );
    } finally {
      s.free();
    }
  });
});
