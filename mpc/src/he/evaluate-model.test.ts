import { describe, expect, it } from 'vitest';
import { createHeKeys, decryptScores, decryptSlots, encryptModel, splitResult } from '../client/he.ts';
import { MpcError } from '../errors.ts';
import { PARAM_SETS } from '../params.ts';
import { evaluateModel } from './evaluate-model.ts';

const groups = (n: number, features: number) =>
  Array.from({ length: n }, (_, g) =>
    Array.from({ length: features }, (_, j) => 1000 * Math.sin(g * 7 + j) + g),
  );

const linear = (rows: number[][], w: number[], b: number) =>
  rows.map((r) => r.reduce((s, x, j) => s + w[j]! * x, b));

describe('evaluateModel', () => {
  it('scores every group with the encrypted linear model and leaves every other slot zero', async () => {
    const keys = await createHeKeys('ckks-8192');
    const w = [0.25, -1.5, 3e-3, 2];
    const features = groups(50, 4);
    const model = await encryptModel(keys, w, 7.5);
    const { ciphertexts, slots } = await evaluateModel({
      paramSet: 'ckks-8192',
      model: splitResult(model),
      features,
    });
    expect(ciphertexts).toHaveLength(1);
    expect(slots).toBe(4096);
    const scores = await decryptScores(keys, ciphertexts[0]!, 50);
    const want = linear(features, w, 7.5);
    for (let g = 0; g < 50; g++)
      expect(Math.abs(scores[g]! - want[g]!) / Math.abs(want[g]!)).toBeLessThan(1e-6);
    const all = await decryptSlots(keys, ciphertexts[0]!);
    expect(Math.max(...Array.from(all.subarray(50), Math.abs))).toBeLessThan(1e-6);
  });

  it('a hostile model (1e9 on one feature, weights differing by slot) still only combines the aggregates given', async () => {
    const keys = await createHeKeys('ckks-8192');
    const features = groups(10, 2);
    const model = splitResult(await encryptModel(keys, [1e9, 0], 0));
    const { ciphertexts } = await evaluateModel({ paramSet: 'ckks-8192', model, features });
    const scores = await decryptScores(keys, ciphertexts[0]!, 10);
    features.forEach((r, g) => {
      expect(scores[g]! / 1e9).toBeCloseTo(r[0]!, 3);
    });
    const all = await decryptSlots(keys, ciphertexts[0]!);
    // The encoding error of the aggregates, scaled by the weight: still a function of them alone.
    expect(Math.max(...Array.from(all.subarray(10), Math.abs))).toBeLessThan(1e9 * 1e-6);
  });

  it('splits more groups than slots over several ciphertexts', async () => {
    const keys = await createHeKeys('ckks-8192');
    const features = groups(4100, 1).map((r) => [r[0]! / 1000]);
    const model = splitResult(await encryptModel(keys, [2], 1));
    const { ciphertexts } = await evaluateModel({ paramSet: 'ckks-8192', model, features });
    expect(ciphertexts).toHaveLength(2);
    const scores = await decryptScores(keys, new Uint8Array(Buffer.concat(ciphertexts)), 4100);
    expect(scores[4099]).toBeCloseTo(2 * features[4099]![0]! + 1, 5);
  });

  it('applies a degree-3 polynomial (a logistic approximation) with the relinearisation keys', async () => {
    const keys = await createHeKeys('ckks-16384', { relin: true });
    const features = groups(20, 2).map((r) => r.map((x) => x / 1000));
    const w = [0.8, -0.6];
    const poly = [0.5, 0.197, 0, -0.004];
    const model = splitResult(await encryptModel(keys, w, 0.1));
    const { ciphertexts } = await evaluateModel({
      paramSet: 'ckks-16384',
      model,
      features,
      relinKeys: keys.relinKeys,
      polynomial: poly,
    });
    const scores = await decryptScores(keys, ciphertexts[0]!, 20);
    linear(features, w, 0.1).forEach((z, g) => {
      const want = poly.reduce((s, c, k) => s + c * z ** k, 0);
      expect(Math.abs(scores[g]! - want)).toBeLessThan(1e-5);
    });
    const all = await decryptSlots(keys, ciphertexts[0]!);
    expect(Math.max(...Array.from(all.subarray(20), Math.abs))).toBeLessThan(1e-5);
  });

  it('refuses a polynomial without keys, keys without a polynomial, and a degree over the set', async () => {
    const keys = await createHeKeys('ckks-8192', { relin: true });
    const model = splitResult(await encryptModel(keys, [1], 0));
    const run = (extra: object) => evaluateModel({ paramSet: 'ckks-8192', model, features: [[1]], ...extra });
    await expect(run({ polynomial: [0, 1, 1] })).rejects.toMatchObject({ code: 'MPC_INPUT_INVALID' });
    await expect(run({ relinKeys: keys.relinKeys })).rejects.toMatchObject({ code: 'MPC_INPUT_INVALID' });
    const k16 = await createHeKeys('ckks-16384');
    const m16 = splitResult(await encryptModel(k16, [1], 0));
    await expect(
      evaluateModel({ paramSet: 'ckks-16384', model: m16, features: [[1]], polynomial: [0, 1, 1] }),
    ).rejects.toMatchObject({ code: 'MPC_KEYS_MISSING' });
    await expect(run({ features: [[1, 2]] })).rejects.toBeInstanceOf(MpcError);
    await expect(run({ features: [[Number.NaN]] })).rejects.toMatchObject({ code: 'MPC_INPUT_INVALID' });
  });

  it('states exact sizes that are what SEAL produces', async () => {
    for (const set of Object.values(PARAM_SETS)) {
      const keys = await createHeKeys(set.id, { relin: true });
      const [ct] = splitResult(await encryptModel(keys, [1], 0));
      expect(set.sizes.ciphertext[0]).toBe(ct!.length);
      expect(set.sizes.relinKeys[0]).toBe(keys.relinKeys!.length);
    }
  });
});
