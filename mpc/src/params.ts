import { MpcError } from './errors.ts';

/** The kinds of SEAL object a client sends. */
export type TSealObjectKind = 'ciphertext' | 'relinKeys';

/**
 * A supported CKKS parameter set. All are inside SEAL's 128-bit security table (checked again
 * when the context is built). `sizes` are the exact byte lengths of an uncompressed serialisation
 * of each object a client may send: a fresh ciphertext encrypted with the secret key (seeded) or
 * the public key, and seeded relinearisation keys.
 */
export type TParamSet = {
  id: TParamSetId;
  scheme: 'ckks';
  polyModulusDegree: number;
  coeffModulusBits: readonly number[];
  scaleBits: number;
  securityBits: 128;
  slots: number;
  /** Highest degree of the polynomial applied to the linear score: 1 needs no relinearisation keys. */
  maxModelDegree: 1 | 3;
  sizes: Record<TSealObjectKind, readonly number[]>;
};

export type TParamSetId = 'ckks-8192' | 'ckks-16384';

/**
 * The parameter sets: `ckks-8192` for the linear model (one rescale), `ckks-16384` for a
 * polynomial of degree ≤ 3 of it (four rescales: z, z², z³ and the coefficients).
 */
export const PARAM_SETS: Readonly<Record<TParamSetId, TParamSet>> = {
  'ckks-8192': {
    id: 'ckks-8192',
    scheme: 'ckks',
    polyModulusDegree: 8192,
    coeffModulusBits: [60, 40, 40, 60],
    scaleBits: 40,
    securityBits: 128,
    slots: 4096,
    maxModelDegree: 1,
    sizes: { ciphertext: [196_802, 393_329], relinKeys: [787_078] },
  },
  'ckks-16384': {
    id: 'ckks-16384',
    scheme: 'ckks',
    polyModulusDegree: 16384,
    coeffModulusBits: [60, 40, 40, 40, 40, 60],
    scaleBits: 40,
    securityBits: 128,
    slots: 8192,
    maxModelDegree: 3,
    sizes: { ciphertext: [655_554, 1_310_833], relinKeys: [3_933_194] },
  },
};

/** The parameter set named `id`, or MPC_PARAMS_UNKNOWN. */
export function paramSet(id: string): TParamSet {
  const set = (PARAM_SETS as Record<string, TParamSet>)[id];
  if (!set || !Object.hasOwn(PARAM_SETS, id))
    throw new MpcError('MPC_PARAMS_UNKNOWN', `no parameter set ${id}`);
  return set;
}
