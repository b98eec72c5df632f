import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditCheckpoints } from '../db/schema/index.ts';

export type TStoredCheckpoint = typeof auditCheckpoints.$inferSelect;

/** The checkpoint kept at `size`, or the latest one without it; null if there is none. */
export async function getCheckpoint(db: Db, size?: number): Promise<TStoredCheckpoint | null> {
  const query = db.select().from(auditCheckpoints);
  const [row] =
    size === undefined
      ? await query.orderBy(desc(auditCheckpoints.size)).limit(1)
      : await query.where(eq(auditCheckpoints.size, size)).limit(1);
  return row ?? null;
}
