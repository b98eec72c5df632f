import { randomBytes } from 'node:crypto';
import {
  computeAggregate,
  computeRelease,
  hostSelection,
  planRelease,
  type TAggregateRequest,
  type TColumnData,
  type THostGroupBy,
  type TReleasedGroupBy,
  type TReleasedRegression,
  type TTable,
} from '@enclave/sandbox';
import type { TColumn } from '../api/src/catalogue/dataset-schema.ts';
import { socialInsurance } from '../api/src/demo/datasets/social-insurance.ts';
import { deriveSeed } from '../api/src/demo/prng.ts';
import { DEMO_SEED } from '../api/src/demo/seed-demo.ts';
import { DEFAULT_POLICY_SETTINGS } from '../api/src/licences/policy.ts';
import { tableSchema } from '../api/src/sandbox/load-table.ts';

/** Independent deployments (noise keys) each analysis is released under: the shares are over all of them. */
const TRIALS = 20;

/** The demo social-insurance table as the host holds it, with its catalogue schema. */
function demoTable(): TTable {
  const columns = socialInsurance.body.columns as TColumn[];
  const raw: (string | number | null)[][] = columns.map(() => []);
  for (const row of socialInsurance.rows!(deriveSeed(DEMO_SEED, socialInsurance.body.slug))) {
    for (const [j, v] of row.entries()) raw[j]!.push(v as string | number | null);
  }
  const data: Record<string, TColumnData> = {};
  columns.forEach((c, j) => {
    const values = raw[j]!;
    if (c.type === 'integer' || c.type === 'number') {
      data[c.name] = {
        type: c.type,
        values: Float64Array.from(values, (v) => (v === null ? Number.NaN : Number(v))),
        nulls: null,
      };
    } else {
      const dictionary = [...new Set(values.map(String))];
      const at = new Map(dictionary.map((s, i) => [s, i]));
      data[c.name] = {
        type: 'string',
        codes: Int32Array.from(values, (v) => at.get(String(v))!),
        dictionary,
      };
    }
  });
  const { bounds, columnSchema } = tableSchema(columns);
  return {
    name: 'social',
    key: 'social:v1',
    rowCount: raw[0]!.length,
    columns: data,
    bounds,
    schema: columnSchema,
  };
}

const groupBy = (
  id: number,
  by: string[],
  measures: Extract<TAggregateRequest, { kind: 'groupBy' }>['measures'],
): TAggregateRequest => ({
  id,
  kind: 'groupBy',
  table: 'social',
  selection: null,
  filter: { kind: 'all' },
  groupBy: by,
  measures,
});

/** Releases `requests` as one aggregate run at the platform's default policy, under a fresh noise key. */
function release(requests: TAggregateRequest[], table: TTable) {
  const d = DEFAULT_POLICY_SETTINGS.defaults;
  const plan = planRelease(requests, [table], {
    epsilon: d.epsilonPerRun,
    dominanceN: d.dominance.n,
    rows: 'where',
  });
  return computeRelease(plan, {
    minCellCount: d.minCellCount,
    rounding: d.rounding,
    dominance: d.dominance,
    noiseSecret: randomBytes(32),
  }).released;
}

/**
 * How close released numbers come to the truth at the default policy (epsilon 1 per run, minimum
 * cell 10, rounding to 5, the (2, 85 %) dominance rule) on the demo social-insurance data: for each
 * analysis, the share of cells of at least 1 000 rows whose released mean is within 2 % and whose
 * count is within 1 %, and the share of regression coefficients within 10 % of exact OLS, over
 * TRIALS independent noise keys.
 */
export function benchUtility() {
  const table = demoTable();
  const share = (hits: number, total: number) => +(hits / Math.max(1, total)).toFixed(3);
  const analyses: Record<string, unknown> = {};
  const means = (name: string, by: string[], bounds?: { min: number; max: number }) => {
    const req = groupBy(1, by, [
      { fn: 'count', name: 'n' },
      { fn: 'mean', column: 'contribution_base', name: 'base', ...(bounds ? { bounds } : {}) },
    ]);
    const exact = computeAggregate(req, [table]) as THostGroupBy;
    const truth = new Map(exact.rows.map((r) => [JSON.stringify(r.slice(0, by.length)), r]));
    let cells = 0;
    let meansWithin = 0;
    let countsWithin = 0;
    let suppressed = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const out = release([req], table).get(1) as TReleasedGroupBy;
      const shown = new Map(out.rows.map((r) => [JSON.stringify(r.slice(0, by.length)), r]));
      for (const [key, row] of truth) {
        const n = row[by.length] as number;
        if (n < 1000) continue;
        cells++;
        const r = shown.get(key);
        if (!r || r[by.length + 1] === null) {
          suppressed++;
          continue;
        }
        if (Math.abs((r[by.length] as number) - n) <= 0.01 * n) countsWithin++;
        if (Math.abs((r[by.length + 1] as number) / (row[by.length + 1] as number) - 1) <= 0.02)
          meansWithin++;
      }
    }
    analyses[name] = {
      cellsOf1000: cells / TRIALS,
      meansWithin2pc: share(meansWithin, cells),
      countsWithin1pc: share(countsWithin, cells),
      suppressed: share(suppressed, cells),
    };
  };
  means('district', ['district_code']);
  means('districtByIndustry', ['district_code', 'industry']);
  means('districtByIndustryBoundedToCap', ['district_code', 'industry'], { min: 4000, max: 22_311 });
  means('yearByCategoryByGender', ['year', 'insured_category', 'gender']);

  // Employer contributions of employees by their base and months paid, one regression per year.
  const regressions = [2021, 2022, 2023].map(
    (year, i): TAggregateRequest => ({
      id: i + 1,
      kind: 'regression',
      table: 'social',
      selection: null,
      filter: {
        kind: 'where',
        clauses: [
          { column: 'year', op: 'eq', value: year },
          { column: 'insured_category', op: 'eq', value: '企业职工' },
        ],
      },
      y: 'employer_contribution',
      x: ['contribution_base', 'months_paid'],
      bounds: {
        contribution_base: { min: 4000, max: 22_311 },
        employer_contribution: { min: 0, max: 80_000 },
      },
    }),
  );
  // The exact fit over the same rows, chosen by the host's own evaluation of the clauses.
  const withFilter = (r: TAggregateRequest) =>
    r.filter?.kind === 'where' ? { ...r, selection: hostSelection(table, r.filter.clauses) } : r;
  const exact = regressions.map(
    (r) =>
      (computeAggregate(withFilter(r), [table]) as { coefficients: Record<string, number> }).coefficients,
  );
  let slopes = 0;
  let slopesWithin = 0;
  let intercepts = 0;
  let interceptsWithin = 0;
  let covered = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    // All three in one run: epsilon 1 split over three regressions.
    const out = release(regressions, table);
    regressions.forEach((r, i) => {
      const got = out.get(r.id) as TReleasedRegression;
      for (const [k, v] of Object.entries(exact[i]!)) {
        const c = got.coefficients?.[k];
        const isWithin = c !== undefined && Math.abs(c / v - 1) <= 0.1;
        if (k === 'intercept') {
          intercepts++;
          if (isWithin) interceptsWithin++;
        } else {
          slopes++;
          if (isWithin) slopesWithin++;
          if (c !== undefined && Math.abs(c - v) <= 2 * got.standardErrors![k]!) covered++;
        }
      }
    });
  }
  analyses.regression = {
    slopesWithin10pc: share(slopesWithin, slopes),
    interceptsWithin10pc: share(interceptsWithin, intercepts),
    slopesWithinTwoStandardErrors: share(covered, slopes),
  };
  for (const [name, figures] of Object.entries(analyses))
    console.log(`utility  ${name}: ${JSON.stringify(figures)}`);
  return {
    trials: TRIALS,
    rows: table.rowCount,
    epsilonPerRun: DEFAULT_POLICY_SETTINGS.defaults.epsilonPerRun,
    ...analyses,
  };
}
