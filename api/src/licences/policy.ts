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

/** The strictest value the parts chose, or the default when none chose one. */
const strictest = (values: (number | undefined)[], pick: (...v: number[]) => number, fallback: number) => {
  const set = values.filter((v): v is number => v !== undefined);
  return set.length > 0 ? pick(...set) : fallback;
};

/** The contract policy: per field the strictest choice of the parts, else the platform default. */
export function mergePolicies(parts: TPolicyInput[], s: TPolicySettings): TContractPayload['policy'] {
  const d = s.defaults;
  const epsilons = parts.map((p) => p.epsilon).filter((e): e is number => e !== undefined);
  const deltas = parts.map((p) => p.delta).filter((e): e is number => e !== undefined);
  return {
    minCellCount: strictest(
      parts.map((p) => p.minCellCount),
      Math.max,
      d.minCellCount,
    ),
    rounding: strictest(
      parts.map((p) => p.rounding),
      Math.max,
      d.rounding,
    ),
    ...(epsilons.length > 0
      ? {
          dp: {
            epsilon: Math.min(...epsilons),
            ...(deltas.length > 0 ? { delta: Math.min(...deltas) } : {}),
          },
        }
      : {}),
    maxRunsPerDay: strictest(
      parts.map((p) => p.maxRunsPerDay),
      Math.min,
      d.maxRunsPerDay,
    ),
    maxCpuMsPerRun: strictest(
      parts.map((p) => p.maxCpuMsPerRun),
      Math.min,
      d.maxCpuMsPerRun,
    ),
    maxResultBytes: strictest(
      parts.map((p) => p.maxResultBytes),
      Math.min,
      d.maxResultBytes,
    ),
  };
}
