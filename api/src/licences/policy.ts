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
  },
};

export const ZPolicyInput = z
  .strictObject({
    minCellCount: z.number().int().min(1).max(100_000),
    rounding: z.number().int().min(1).max(10_000),
    epsilon: z.number().positive().max(100),
    delta: z.number().min(0).lt(1),
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
 * What a provider may not set: minCellCount under the platform floor, or limits looser than the
 * platform's (more runs, more CPU, bigger results). A DP delta needs an epsilon.
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
  return errors;
}

/** The values the parts chose for `key`, leaving out parts that chose none. */
const chosen = (parts: TPolicyInput[], key: keyof TPolicyInput) =>
  parts.map((p) => p[key]).filter((v): v is number => v !== undefined);

/** The contract policy: per field the strictest choice of the parts, else the platform default. */
export function mergePolicies(parts: TPolicyInput[], s: TPolicySettings): TContractPayload['policy'] {
  const d = s.defaults;
  /** The strictest value the parts chose for `key`, or the default when none chose one. */
  const strictest = (key: keyof TPolicySettings['defaults'], pick: (...v: number[]) => number) => {
    const set = chosen(parts, key);
    return set.length > 0 ? pick(...set) : d[key];
  };
  const epsilons = chosen(parts, 'epsilon');
  const deltas = chosen(parts, 'delta');
  return {
    minCellCount: strictest('minCellCount', Math.max),
    rounding: strictest('rounding', Math.max),
    ...(epsilons.length > 0
      ? {
          dp: {
            epsilon: Math.min(...epsilons),
            ...(deltas.length > 0 ? { delta: Math.min(...deltas) } : {}),
          },
        }
      : {}),
    maxRunsPerDay: strictest('maxRunsPerDay', Math.min),
    maxCpuMsPerRun: strictest('maxCpuMsPerRun', Math.min),
    maxResultBytes: strictest('maxResultBytes', Math.min),
  };
}
