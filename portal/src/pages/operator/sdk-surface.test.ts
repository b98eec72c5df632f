import { describe, expect, it } from 'vitest';
import { exampleScript, sdkCompletions, type TSdkTable } from './sdk-surface.ts';

const tables: TSdkTable[] = [
  {
    slug: 'social-insurance-contributions',
    columns: [
      { name: 'district_code', type: 'string', codes: ['330102', '330105'] },
      { name: 'contribution_base', type: 'integer', min: 4000, max: 40000 },
    ],
  },
  { slug: 'enterprise-registration-tax', columns: [{ name: 'district_code', type: 'string' }] },
];
const labels = (before: string) => sdkCompletions(before, tables)?.options.map((o) => o.label) ?? null;

describe('sdkCompletions', () => {
  it('offers the SDK after `enclave.`, from the start of the word typed', () => {
    expect(labels('const t = enclave.')).toEqual(['table', 'tables', 'kind']);
    expect(sdkCompletions('enclave.ta', tables)?.from).toBe('enclave.'.length);
  });

  it('offers the contract’s tables inside enclave.table(', () => {
    expect(labels("enclave.table('")).toEqual([
      'social-insurance-contributions',
      'enterprise-registration-tax',
    ]);
    expect(sdkCompletions('enclave.table("soc', tables)?.from).toBe('enclave.table("'.length);
  });

  it('offers table members after a dot, and columns (once each, with their tables) in strings', () => {
    expect(labels('t.where(')).toBeNull();
    expect(labels('t.gr')).toContain('groupBy');
    expect(labels("t.where('district_code', ")).toBeNull();
    const cols = sdkCompletions("t.groupBy('", tables)!.options;
    expect(cols.map((o) => o.label)).toEqual(['district_code', 'contribution_base']);
    expect(cols[0]!.detail).toContain('enterprise-registration-tax');
  });

  it('offers operators as where()’s second argument, and measures where a spec starts', () => {
    expect(labels("t.where('district_code', '")).toEqual(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in']);
    expect(labels("agg({ n: '")).toContain('count');
    expect(labels("agg({ m: ['mean', '")).not.toContain('mean');
  });

  it('offers the globals for a bare word, and nothing after a number', () => {
    expect(labels('return en')).toEqual(['enclave', 'params', 'console']);
    expect(labels('x = 1.5')).toBeNull();
  });
});

describe('exampleScript', () => {
  it('groups by a coded column and takes a mean within the schema’s bounds', () => {
    const s = exampleScript(tables);
    expect(s).toContain("enclave.table('social-insurance-contributions')");
    expect(s).toContain("t.groupBy('district_code')");
    expect(s).toContain("['mean', 'contribution_base', { min: 4000, max: 40000 }]");
  });
});
