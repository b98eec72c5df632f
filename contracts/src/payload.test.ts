import { describe, expect, it } from 'vitest';
import { type TContractPayload, ZContractPayload } from './payload.ts';
import { makePayload } from './test-fixtures.ts';

const good = makePayload('kid-platform', 'kid-operator');
const edit = (change: (p: any) => void): unknown => {
  const p = structuredClone(good);
  change(p);
  return p;
};

describe('ZContractPayload', () => {
  it('accepts a contract, with and without the optional parts', () => {
    expect(ZContractPayload.parse(good)).toEqual(good);
    const minimal: TContractPayload = {
      ...good,
      datasets: [{ id: 'ds', columns: ['a'] }],
      operations: ['he'],
      policy: { ...good.policy, dp: { epsilon: 0.5 } },
    };
    expect(ZContractPayload.safeParse(minimal).success).toBe(true);
    expect(ZContractPayload.safeParse(edit((p) => delete p.policy.dp)).success).toBe(true);
    const budgeted = edit((p) => {
      p.policy.dp = { epsilon: 10, epsilonPerRun: 0.5, period: 'month' };
      p.policy.dominance = { n: 2, k: 0.85 };
    });
    expect(ZContractPayload.safeParse(budgeted).success).toBe(true);
  });

  it.each<[string, (p: any) => void]>([
    ['an unknown top-level member', (p) => (p.extra = 1)],
    ['an unknown policy member', (p) => (p.policy.maxRows = 1)],
    ['an unknown issuer member', (p) => (p.issuer.name = 'x')],
    ['an unknown dataset member', (p) => (p.datasets[0].rows = 'all')],
    ['an unknown term member', (p) => (p.term.tz = 'UTC')],
    ['an unknown dp member', (p) => (p.policy.dp.mechanism = 'laplace')],
    ['a missing scenario', (p) => delete p.scenario],
    ['version 0', (p) => (p.version = 0)],
    ['a fractional version', (p) => (p.version = 1.5)],
    ['a version beyond 2^53', (p) => (p.version = 2 ** 60)],
    ['a time with an offset', (p) => (p.issuedAt = '2026-03-01T10:00:00+01:00')],
    ['a date without time', (p) => (p.term.notBefore = '2026-03-02')],
    ['an impossible date', (p) => (p.term.notAfter = '2026-02-30T00:00:00Z')],
    ['a term ending when it starts', (p) => (p.term.notAfter = p.term.notBefore)],
    [
      'a term ending before it starts',
      (p) => ([p.term.notBefore, p.term.notAfter] = [p.term.notAfter, p.term.notBefore]),
    ],
    ['the licensee kid equal to the issuer kid', (p) => (p.licensee.kid = p.issuer.kid)],
    ['an empty kid', (p) => (p.issuer.kid = '')],
    ['no operations', (p) => (p.operations = [])],
    ['an unknown operation', (p) => p.operations.push('mpc')],
    ['an operation twice', (p) => p.operations.push('sandbox')],
    ['no datasets', (p) => (p.datasets = [])],
    ['a dataset twice', (p) => p.datasets.push({ ...p.datasets[0] })],
    ['a dataset without columns', (p) => (p.datasets[0].columns = [])],
    ['a column twice', (p) => p.datasets[0].columns.push('year')],
    ['dataset version 0', (p) => (p.datasets[0].version = 0)],
    ['minCellCount 0', (p) => (p.policy.minCellCount = 0)],
    ['a fractional maxRunsPerDay', (p) => (p.policy.maxRunsPerDay = 1.5)],
    ['a string limit', (p) => (p.policy.maxResultBytes = '1024')],
    ['epsilon 0', (p) => (p.policy.dp.epsilon = 0)],
    ['delta 1', (p) => (p.policy.dp.delta = 1)],
    ['a run epsilon above the budget', (p) => (p.policy.dp = { epsilon: 1, epsilonPerRun: 2 })],
    ['a budget period of a week', (p) => (p.policy.dp.period = 'week')],
    ['a dominance rule over three contributors', (p) => (p.policy.dominance = { n: 3, k: 0.5 })],
    ['a dominance share of 1', (p) => (p.policy.dominance = { n: 1, k: 1 })],
    ['an empty purpose', (p) => (p.purpose = '')],
  ])('refuses %s', (_name, change) => {
    expect(ZContractPayload.safeParse(edit(change)).success).toBe(false);
  });
});
