import { asc, gt } from 'drizzle-orm';
import { auditEntries } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import {
  auditRowColumns,
  type TAuditEntryFilter,
  type TIndexedAuditRecord,
  whereAll,
} from './audit-entry-filter.ts';
import { auditRecordOf } from './entry-encoding.ts';

export const AUDIT_LIST_DEFAULT_LIMIT = 100;
export const AUDIT_LIST_MAX_LIMIT = 1000;

export type TListAuditEntriesInput = TAuditEntryFilter & {
  /** Only entries after this leaf index (keyset paging); from the start when absent. */
  after?: number | undefined;
  limit: number;
};

export type TAuditEntriesPage = {
  items: TIndexedAuditRecord[];
  hasMore: boolean;
  /** The `after` of the next page: the last index of this one, or null on the last page. */
  nextAfter: number | null;
};

/**
 * One page of the log in leaf-index order, filtered. Keyset paging on the index, which never
 * changes once written, so walking the pages sees every matching entry once, however many are
 * appended meanwhile.
 */
export async function listAuditEntries(
  deps: Deps,
  input: TListAuditEntriesInput,
): Promise<TAuditEntriesPage> {
  const after = input.after !== undefined ? [gt(auditEntries.seq, input.after)] : [];
  const rows = await deps.db
    .select(auditRowColumns)
    .from(auditEntries)
    .where(whereAll(input, ...after))
    .orderBy(asc(auditEntries.seq))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  return {
    items: page.map((row) => ({ index: row.seq, ...auditRecordOf(row) })),
    hasMore,
    nextAfter: hasMore ? page[page.length - 1]!.seq : null,
  };
}
