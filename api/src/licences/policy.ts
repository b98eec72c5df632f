import type { TContractPayload } from '@enclave/contracts';
import { z } from '@hono/zod-openapi';
import type { TPolicyInput } from '../db/schema/index.ts';
import type { TFieldError } from '../errors.ts';

export type TPolicySettings = {
  /** No policy may set minCellCount below this (the platform floor). */
  floorMinCellCount: number;
  defaults: {
    minCellCount: number;
    rounding: number;
    maxRunsPerDay: number;
    maxCpuMsPerRun: number;
    maxResultBytes: number;
    /** The privacy budget of a contract, and what one run spends unless it says otherwise. */
    epsilon: number;
    epsilonPerRun: number;
    dominance: { n: 1 | 2; k: number };
  };
};

export const DEFAULT_POLICY_SETTINGS: TPolicySettings = {
  floorMinCellCount: 5,
  defaults: {
    minCellCount: 10,
    rounding: 5,
    maxRunsPerDay: 100,
    maxCpuMsPerRun: 60_000,
    maxResultBytes: 1024 * 1024,
    epsilon: 10,
    epsilonPerRun: 1,
    dominance: { n: 2, k: 0.85 },
  },
};

/** Budget periods from the most refreshing to none: a part's strictest choice is the latest. */
const PERIODS = ['day', 'month', 'year'] as const;

export const ZPolicyInput = z
  .strictObject({
    minCellCount: z.number().int().min(1).max(100_000),
    rounding: z.number().int().min(1).max(10_000),
    epsilon: z
      .number()
      .positive()
      .max(100)
      .openapi({ description: 'The privacy budget of the contract (per period when it refreshes)' }),
    delta: z
      .number()
      .min(0)
      .lt(1)
      .openapi({ description: 'Accepted and recorded; the mechanisms are pure epsilon-DP and spend none' }),
    epsilonPerRun: z
      .number()
      .positive()
      .max(100)
      .openapi({ description: 'What a run spends unless it says otherwise' }),
    period: z
      .enum(PERIODS)
      .openapi({ description: 'The budget refreshes every day, month or year; unset: never' }),
    dominance: z
      .strictObject({ n: z.union([z.literal(1), z.literal(2)]), k: z.number().min(0.5).lt(1) })
      .openapi({
        description:
          'The (n, k) dominance rule: a sum or mean whose n largest contributors hold more than share k is suppressed',
      }),
    maxRunsPerDay: z.number().int().min(1).max(1_000_000),
    maxCpuMsPerRun: z.number().int().min(1).max(3_600_000),
    maxResultBytes: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024 * 1024),
  })
  .partial()
  .openapi('PolicyInput');

/**
 * What a provider may not set: minCellCount under the platform floor, limits looser than the
 * platform's (more runs, more CPU, bigger results), a run epsilon above the budget, or a dominance
 * rule looser than the platform's. A DP delta needs an epsilon.
 */
export function policyProblems(p: TPolicyInput, s: TPolicySettings, path: string): TFieldError[] {
  const errors: TFieldError[] = [];
  const d = s.defaults;
  if (p.minCellCount !== undefined && p.minCellCount < s.floorMinCellCount) {
    errors.push({
      path: `${path}.minCellCount`,
      message: `must be at least the platform floor ${s.floorMinCellCount}`,
    });
  }
  for (const key of ['maxRunsPerDay', 'maxCpuMsPerRun', 'maxResultBytes'] as const) {
    const v = p[key];
    if (v !== undefined && v > d[key])
      errors.push({ path: `${path}.${key}`, message: `may only tighten: at most ${d[key]}` });
  }
  if (p.delta !== undefined && p.epsilon === undefined)
    errors.push({ path: `${path}.delta`, message: 'needs epsilon' });
  if (p.epsilonPerRun !== undefined && p.epsilonPerRun > (p.epsilon ?? d.epsilon)) {
    errors.push({ path: `${path}.epsilonPerRun`, message: 'must not exceed the budget epsilon' });
  }
  if (p.dominance !== undefined && (p.dominance.n < d.dominance.n || p.dominance.k > d.dominance.k)) {
    errors.push({
      path: `${path}.dominance`,
      message: `may only tighten the platform's (${d.dominance.n}, ${d.dominance.k}) rule`,
    });
  }
  return errors;
}

/** The values the parts chose for `key`, leaving out parts that chose none. */
const chosen = (
  parts: TPolicyInput[],
  key:
    | 'minCellCount'
    | 'rounding'
    | 'epsilon'
    | 'delta'
    | 'epsilonPerRun'
    | 'maxRunsPerDay'
    | 'maxCpuMsPerRun'
    | 'maxResultBytes',
) => parts.map((p) => p[key]).filter((v): v is number => v !== undefined);

/**
 * The contract policy: per field the strictest choice of the parts, else the platform default. Every
 * contract has a privacy budget and a dominance rule; the budget refreshes only if every part chose a
 * period, and then at the longest of them (a part without one wants it never refreshed).
 */
export function mergePolicies(parts: TPolicyInput[], s: TPolicySettings): TContractPayload['policy'] {
  const d = s.defaults;
  /** The strictest value the parts chose for `key`, or the default when none chose one. */
  const strictest = (
    key:
      | 'minCellCount'
      | 'rounding'
      | 'maxRunsPerDay'
      | 'maxCpuMsPerRun'
      | 'maxResultBytes'
      | 'epsilon'
      | 'epsilonPerRun',
    pick: (...v: number[]) => number,
  ) => {
    const set = chosen(parts, key);
    return set.length > 0 ? pick(...set) : d[key];
  };
  const deltas = chosen(parts, 'delta');
  const epsilon = strictest('epsilon', Math.min);
  const periods = parts.map((p) => p.period);
  const period =
    periods.every((x) => x !== undefined) && periods.length > 0
      ? PERIODS[Math.max(...periods.map((x) => PERIODS.indexOf(x!)))]
      : undefined;
  const rules = parts.map((p) => p.dominance).filter((r) => r !== undefined);
  return {
    minCellCount: strictest('minCellCount', Math.max),
    rounding: strictest('rounding', Math.max),
    dp: {
      epsilon,
      ...(deltas.length > 0 ? { delta: Math.min(...deltas) } : {}),
      epsilonPerRun: Math.min(epsilon, strictest('epsilonPerRun', Math.min)),
      ...(period ? { period } : {}),
    },
    dominance: {
      n: Math.max(d.dominance.n, ...rules.map((r) => r.n)) as 1 | 2,
      k: Math.min(d.dominance.k, ...rules.map((r) => r.k)),
    },
    maxRunsPerDay: strictest('maxRunsPerDay', Math.min),
    maxCpuMsPerRun: strictest('maxCpuMsPerRun', Math.min),
    maxResultBytes: strictest('maxResultBytes', Math.min),
  };
}

/** The budget a contract runs under: its own, or for one issued without, the platform's default. */
export function budgetPolicy(
  policy: TContractPayload['policy'],
  s: TPolicySettings,
): {
  epsilon: number;
  epsilonPerRun: number;
  period: (typeof PERIODS)[number] | null;
  isDefault: boolean;
  dominance: { n: 1 | 2; k: number };
} {
  const d = s.defaults;
  const dominance = policy.dominance ?? d.dominance;
  if (!policy.dp)
    return {
      epsilon: d.epsilon,
      epsilonPerRun: Math.min(d.epsilon, d.epsilonPerRun),
      period: null,
      isDefault: true,
      dominance,
    };
  return {
    epsilon: policy.dp.epsilon,
    epsilonPerRun: policy.dp.epsilonPerRun ?? Math.min(policy.dp.epsilon, d.epsilonPerRun),
    period: policy.dp.period ?? null,
    isDefault: false,
    dominance,
  };
}
