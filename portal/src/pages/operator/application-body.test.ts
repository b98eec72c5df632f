import { describe, expect, it } from 'vitest';
import { applicationBody, defaultTerm } from './application-body.ts';

const draft = {
  columns: { ds_a: ['district_code', 'wage'], ds_b: ['year'] },
  operations: ['sandbox' as const],
  purpose: '  研究  ',
  scenario: '统计',
  notBefore: '2026-01-01',
  notAfter: '2026-12-31',
  keyId: 'kid-1',
};

describe('applicationBody', () => {
  it('runs the term from the first day’s start to the last day’s end, China Standard Time', () => {
    const body = applicationBody(draft);
    expect(body.term).toEqual({
      notBefore: '2025-12-31T16:00:00.000Z',
      notAfter: '2026-12-31T15:59:59.999Z',
    });
    expect(body.datasets).toEqual([
      { datasetId: 'ds_a', columns: ['district_code', 'wage'] },
      { datasetId: 'ds_b', columns: ['year'] },
    ]);
    expect(body.purpose).toBe('研究');
    expect(body.keyId).toBe('kid-1');
  });

  it('passes a date that is no date on as typed, for the API to name the field; no key, no keyId', () => {
    const body = applicationBody({ ...draft, notAfter: '', keyId: '' });
    expect(body.term.notAfter).toBe('');
    expect(body).not.toHaveProperty('keyId');
  });
});

describe('defaultTerm', () => {
  it('is a year from today', () => {
    expect(defaultTerm(new Date('2026-03-05T10:00:00Z'))).toEqual({
      notBefore: '2026-03-05',
      notAfter: '2027-03-05',
    });
  });
});
