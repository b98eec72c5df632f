import { z } from 'zod';

const ZName = z.string().min(1).max(256);
const ZText = z.string().min(1).max(10_000);
/** ISO 8601 in UTC with a `Z` (e.g. `2026-01-01T00:00:00.000Z`, what `Date#toISOString` writes). */
const ZInstant = z.iso.datetime();
const ZCount = z.int().min(1);

const unique = (values: readonly string[]) => new Set(values).size === values.length;

/** The operations a contract can license. */
export const CONTRACT_OPERATIONS = ['sandbox', 'he', 'psi'] as const;

/**
 * The contract payload (DESIGN "Licences and contracts" §4). Strict: unknown members are refused
 * at every level, so what is signed is exactly what is enforced. Also refused: a licensee kid equal
 * to the issuer kid (one signature would count twice), a term that ends before it starts, and
 * duplicate operations, dataset ids or columns.
 */
export const ZContractPayload = z
  .strictObject({
    id: ZName,
    version: z.int().min(1),
    issuedAt: ZInstant,
    issuer: z.strictObject({ org: ZName, kid: ZName }),
    licensee: z.strictObject({ org: ZName, kid: ZName }),
    datasets: z
      .array(
        z.strictObject({
          id: ZName,
          version: z.int().min(1).optional(),
          columns: z.array(ZName).min(1).refine(unique, 'columns must be unique'),
        }),
      )
      .min(1)
      .refine((ds) => unique(ds.map((d) => d.id)), 'dataset ids must be unique'),
    purpose: ZText,
    scenario: ZText,
    operations: z.array(z.enum(CONTRACT_OPERATIONS)).min(1).refine(unique, 'operations must be unique'),
    policy: z.strictObject({
      minCellCount: ZCount,
      rounding: ZCount,
      /**
       * The privacy budget: `epsilon` in all (per `period` when it refreshes), `epsilonPerRun` what a
       * run spends unless it says otherwise. Contracts issued before budgets were mandatory lack it.
       */
      dp: z
        .strictObject({
          epsilon: z.number().positive().max(1_000),
          delta: z.number().min(0).lt(1).optional(),
          epsilonPerRun: z.number().positive().max(1_000).optional(),
          period: z.enum(['day', 'month', 'year']).optional(),
        })
        .refine((dp) => dp.epsilonPerRun === undefined || dp.epsilonPerRun <= dp.epsilon, {
          message: 'epsilonPerRun must not exceed epsilon',
          path: ['epsilonPerRun'],
        })
        .optional(),
      /** The (n, k) dominance rule of magnitude cells: n ∈ {1, 2} largest contributors, share k. */
      dominance: z
        .strictObject({ n: z.union([z.literal(1), z.literal(2)]), k: z.number().gt(0).lt(1) })
        .optional(),
      maxRunsPerDay: ZCount,
      maxCpuMsPerRun: ZCount,
      maxResultBytes: ZCount,
    }),
    term: z.strictObject({ notBefore: ZInstant, notAfter: ZInstant }),
  })
  .refine((p) => p.licensee.kid !== p.issuer.kid, {
    message: 'the licensee kid must differ from the issuer kid',
    path: ['licensee', 'kid'],
  })
  .refine((p) => Date.parse(p.term.notBefore) < Date.parse(p.term.notAfter), {
    message: 'term.notBefore must be before term.notAfter',
    path: ['term'],
  });

export type TContractPayload = z.infer<typeof ZContractPayload>;
