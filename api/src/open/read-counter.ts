import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { openDataReads } from '../db/schema/index.ts';

export type TReadKind = 'rows' | 'query' | 'download';

/**
 * Counts reads of open data in memory and writes the totals per dataset, day and kind on
 * `flush()`, instead of one log entry per read.
 */
export type ReadCounter = {
  count(datasetId: string, kind: TReadKind, isAnonymous: boolean, at: Date): void;
  flush(): Promise<void>;
};

export function createReadCounter(db: Db): ReadCounter {
  let pending = new Map<
    string,
    { datasetId: string; day: string; kind: TReadKind; anon: number; auth: number }
  >();
  return {
    count(datasetId, kind, isAnonymous, at) {
      const day = at.toISOString().slice(0, 10);
      const key = `${datasetId}|${day}|${kind}`;
      const item = pending.get(key) ?? { datasetId, day, kind, anon: 0, auth: 0 };
      if (isAnonymous) item.anon++;
      else item.auth++;
      pending.set(key, item);
    },
    async flush() {
      const items = [...pending.values()];
      pending = new Map();
      for (const i of items) {
        await db
          .insert(openDataReads)
          .values({
            datasetId: i.datasetId,
            day: i.day,
            kind: i.kind,
            anonymous: i.anon,
            authenticated: i.auth,
          })
          .onConflictDoUpdate({
            target: [openDataReads.datasetId, openDataReads.day, openDataReads.kind],
            set: {
              anonymous: sql`${openDataReads.anonymous} + ${i.anon}`,
              authenticated: sql`${openDataReads.authenticated} + ${i.auth}`,
            },
          });
      }
    },
  };
}
