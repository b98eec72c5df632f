import type { Ciphertext, RelinKeys } from 'node-seal';
import { MpcError } from '../errors.ts';
import type { TParamSetId } from '../params.ts';
import { heContext, type THeContext } from '../seal.ts';
import { loadCiphertext, loadRelinKeys, sealScope, type TSealScope } from './load.ts';

/** Most features a model may have. */
export const MAX_MODEL_FEATURES = 32;

export type TModelEvaluation = {
  paramSet: TParamSetId;
  /** One serialised fresh ciphertext per feature, in feature order, then one for the bias. */
  model: readonly Uint8Array[];
  /** Seeded relinearisation keys: needed for a polynomial of degree 2 or 3, refused otherwise. */
  relinKeys?: Uint8Array | null;
  /** `features[g][j]`: the protected value of feature j in group g (released groups only). */
  features: readonly (readonly number[])[];
  /** Public coefficients c0…cd of p(z) = c0 + c1·z + … applied to the linear score z; absent: z. */
  polynomial?: readonly number[] | null;
};

/** Scores of group g are in slot `g % slots` of ciphertext `⌊g / slots⌋`; every other slot is zero. */
export type TModelResult = { ciphertexts: Uint8Array[]; slots: number };

/**
 * Evaluates an operator's encrypted model on protected per-group aggregates: z = Σ wⱼ·xⱼ + b in
 * the slots of the groups (the aggregates, the bias mask and the coefficients are plaintexts that
 * are zero in every other slot, so every other slot decrypts to zero whatever the ciphertexts
 * hold), then p(z) if a polynomial is given. The platform's only inputs are the protected
 * aggregates, so whatever the operator encrypted, what it decrypts is a function of them.
 *
 * @example
 * const { ciphertexts } = await evaluateModel({ paramSet: 'ckks-8192', model, features: [[1.5, 2], [3, 4]] })
 */
export async function evaluateModel(input: TModelEvaluation): Promise<TModelResult> {
  const ctx = await heContext(input.paramSet);
  const features = input.model.length - 1;
  const degree = input.polynomial ? input.polynomial.length - 1 : 1;
  if (features < 1 || features > MAX_MODEL_FEATURES) {
    throw new MpcError(
      'MPC_INPUT_INVALID',
      `a model is 2 to ${MAX_MODEL_FEATURES + 1} ciphertexts, ${input.model.length} given`,
    );
  }
  if (input.features.some((row) => row.length !== features || row.some((v) => !Number.isFinite(v)))) {
    throw new MpcError('MPC_INPUT_INVALID', `every group needs ${features} finite feature values`);
  }
  const p = input.polynomial;
  if (
    p &&
    (degree < 1 || degree > ctx.set.maxModelDegree || p.some((c) => !Number.isFinite(c)) || p[degree] === 0)
  ) {
    throw new MpcError(
      'MPC_INPUT_INVALID',
      `${ctx.set.id} evaluates polynomials of degree 1 to ${ctx.set.maxModelDegree}, finite, leading coefficient not zero`,
    );
  }
  if (degree > 1 && !input.relinKeys)
    throw new MpcError('MPC_KEYS_MISSING', `degree ${degree} needs relinearisation keys`);
  if (degree === 1 && input.relinKeys) {
    throw new MpcError('MPC_INPUT_INVALID', 'a linear model takes no relinearisation keys');
  }
  const scope = sealScope();
  try {
    const model = input.model.map((b) => loadCiphertext(ctx, b, scope));
    const relin = input.relinKeys ? loadRelinKeys(ctx, input.relinKeys, scope) : null;
    const slots = ctx.set.slots;
    const ciphertexts: Uint8Array[] = [];
    for (let from = 0; from < Math.max(input.features.length, 1); from += slots) {
      const rows = input.features.slice(from, from + slots);
      const chunk = sealScope();
      try {
        let z = linearScore(ctx, model, rows, chunk);
        if (input.polynomial) z = polynomial(ctx, z, rows.length, input.polynomial, relin, chunk);
        ciphertexts.push(Uint8Array.from(z.saveToArray(ctx.seal.ComprModeType.none)));
      } finally {
        chunk.free();
      }
    }
    return { ciphertexts, slots };
  } finally {
    scope.free();
  }
}

/**
 * Σ wⱼ·xⱼ + b·mask at scale Δ², one rescale at the end. A feature that is zero in every group
 * of the chunk is skipped: a product with an all-zero plaintext is transparent, which SEAL refuses.
 */
function linearScore(
  ctx: THeContext,
  model: Ciphertext[],
  rows: readonly (readonly number[])[],
  s: TSealScope,
) {
  const { seal, encoder, evaluator } = ctx;
  const bias = model.length - 1;
  const acc = s.track(new seal.Ciphertext());
  const term = s.track(new seal.Ciphertext());
  const pt = s.track(new seal.Plaintext());
  encoder.encode(new Float64Array(rows.length).fill(1), ctx.scale, pt);
  evaluator.multiplyPlain(model[bias]!, pt, acc);
  for (let j = 0; j < bias; j++) {
    const values = Float64Array.from(rows, (r) => r[j]!);
    if (values.every((v) => v === 0)) continue;
    encoder.encode(values, ctx.scale, pt);
    evaluator.multiplyPlain(model[j]!, pt, term);
    evaluator.addInplace(acc, term);
  }
  evaluator.rescaleToNextInplace(acc);
  return acc;
}

/** The prime the next rescale of `ct` divides by. */
const nextPrime = (ctx: THeContext, ct: Ciphertext) => ctx.primes[ct.coeffModulusSize() - 1]!;

/**
 * p(z) = Σ cₖ·zᵏ, each term brought to the same level and to scale Δ exactly: cₖ is encoded at
 * the scale that makes the term's scale Δ after its rescale.
 */
function polynomial(
  ctx: THeContext,
  z: Ciphertext,
  groups: number,
  coefficients: readonly number[],
  relin: RelinKeys | null,
  s: TSealScope,
): Ciphertext {
  const { seal, encoder, evaluator } = ctx;
  const degree = coefficients.length - 1;
  const powers: Ciphertext[] = [z];
  for (let k = 2; k <= degree; k++) {
    const prev = powers[k - 2]!;
    const base = s.track(z.copy());
    evaluator.cipherModSwitchToInplace(base, prev.parmsId());
    const next = s.track(new seal.Ciphertext());
    evaluator.multiply(prev, base, next);
    evaluator.relinearizeInplace(next, relin!);
    evaluator.rescaleToNextInplace(next);
    powers.push(next);
  }
  const coefficientPlain = (c: number, scale: number, at: Ciphertext) => {
    const pt = s.track(new seal.Plaintext());
    encoder.encode(new Float64Array(groups).fill(c), scale, pt);
    evaluator.plainModSwitchToInplace(pt, at.parmsId());
    return pt;
  };
  const terms = powers.flatMap((power, i) => {
    if (coefficients[i + 1] === 0) return [];
    const term = s.track(new seal.Ciphertext());
    evaluator.multiplyPlain(
      power,
      coefficientPlain(coefficients[i + 1]!, (ctx.scale * nextPrime(ctx, power)) / power.scale(), power),
      term,
    );
    evaluator.rescaleToNextInplace(term);
    return [term];
  });
  const last = terms[terms.length - 1]!;
  const out = s.track(new seal.Ciphertext());
  evaluator.cipherModSwitchTo(terms[0]!, last.parmsId(), out);
  for (const term of terms.slice(1)) {
    evaluator.cipherModSwitchToInplace(term, last.parmsId());
    term.setScale(out.scale());
    evaluator.addInplace(out, term);
  }
  evaluator.addPlainInplace(out, coefficientPlain(coefficients[0]!, out.scale(), out));
  return out;
}
