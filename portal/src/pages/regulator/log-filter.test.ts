import { describe, expect, it } from 'vitest';
import {
  alertFilter,
  exportHref,
  filterOf,
  fromLocalInput,
  listPath,
  logHref,
  toLocalInput,
} from './log-filter.ts';
import type { TAlert } from './types.ts';

const alert = (kind: TAlert['kind'], subject: TAlert['subject'], details = {}): TAlert => ({
  kind,
  severity: 'high',
  subject,
  window: { from: '2026-03-01T08:00:00.000Z', to: '2026-03-01T08:05:00.250Z' },
  count: 3,
  message: '',
  details,
  entries: [4, 7, 9],
});

describe('log filters', () => {
  it('keeps only the filters the routes know, trimmed, and drops empty ones', () => {
    expect(
      filterOf({ action: ' sandbox. ', after: '40', limit: '9', outcome: '', contract: 'c1', junk: 'x' }),
    ).toEqual({
      action: 'sandbox.',
      contract: 'c1',
    });
  });

  it('builds the view, list and export addresses from the same filters', () => {
    const f = { action: 'contract.use', outcome: 'refused' };
    expect(logHref(f)).toBe('/regulator?action=contract.use&outcome=refused');
    expect(logHref(f, 120)).toBe('/regulator?action=contract.use&outcome=refused&after=120');
    expect(listPath(f, undefined, 50)).toBe('/v1/audit/entries?action=contract.use&outcome=refused&limit=50');
    expect(exportHref(f, 'csv')).toBe('/v1/audit/export?action=contract.use&outcome=refused&format=csv');
  });

  it('leads each kind of alert to a view that holds its entries, its last one included', () => {
    const token = alertFilter(alert('revoked_token_use', { type: 'token', id: 't1', orgId: 'o1' }));
    expect(token).toEqual({
      action: 'auth.token_refused',
      object_type: 'token',
      object_id: 't1',
      from: '2026-03-01T08:00:00.000Z',
      to: '2026-03-01T08:05:00.251Z',
    });
    expect(
      alertFilter(alert('refused_or_failed_burst', { type: 'org', id: 'o2', orgId: 'o2' })),
    ).toMatchObject({
      actor_org: 'o2',
    });
    expect(alertFilter(alert('contract_misuse', { type: 'contract', id: 'c3', orgId: null }))).toMatchObject({
      contract: 'c3',
      action: 'contract.use',
      outcome: 'refused',
    });
    const near = alertFilter(alert('near_identical_queries', { type: 'contract', id: 'c4', orgId: 'o4' }));
    expect(near).toMatchObject({ contract: 'c4', actor_org: 'o4', action: 'sandbox.run_finish' });
    expect(
      alertFilter(alert('budget_nearly_spent', { type: 'contract', id: 'c5', orgId: null })),
    ).toMatchObject({
      contract: 'c5',
      action: 'budget.spend',
    });
  });

  it('round-trips an instant through a datetime-local value to the second, and refuses nonsense', () => {
    const iso = '2026-03-01T08:05:07.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(toLocalInput('not a date')).toBe('');
    expect(toLocalInput(undefined)).toBe('');
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('2026-13-45T99:00')).toBeUndefined();
  });
});
