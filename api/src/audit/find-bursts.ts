import { type SQL, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../db/client.ts';

export type TBurstRule = { minCount: number; windowMs: number };

export type TBurst = {
  key: string;
  count: number;
  /** Distinct `variant` values among the burst's events. */
  variants: number;
  first: Date;
  last: Date;
  /** Leaf indexes, ascending, at most `cap`. */
  entries: number[];
};

/** A bounded integer of our own rules, safe to write into SQL text (window frames take no parameters). */
function literalInt(n: number): SQL {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a rule constant: ${n}`);
  return sql.raw(String(n));
}

/**
 * Sliding-window bursts over `events`, a select of `seq`, `ts`, `key` (text) and `variant` (text):
 * per key, every stretch of time in which some window of `windowMs` holds at least `minCount`
 * events, overlapping windows merged into one burst. Each event of a burst lies in such a window.
 */
export async function findBursts(db: Db, events: SQL, rule: TBurstRule, cap: number): Promise<TBurst[]> {
  const span = sql`interval '${literalInt(rule.windowMs)} milliseconds'`;
  const result = await db.execute(sql`
    with ev as (${events}),
    counted as (
      select key, ts, count(*) over (partition by key order by ts range between ${span} preceding and current row) as n
      from ev
    ),
    ends as (select distinct key, ts as e from counted where n >= ${literalInt(rule.minCount)}),
    marked as (
      select key, e, case when e - ${span} <= lag(e) over (partition by key order by e) then 0 else 1 end as brk
      from ends
    ),
    islands as (select key, e, sum(brk) over (partition by key order by e rows unbounded preceding) as island from marked),
    bursts as (select key, min(e) - ${span} as s, max(e) as e from islands group by key, island)
    select b.key,
      count(*)::int as count,
      count(distinct ev.variant)::int as variants,
      (extract(epoch from min(ev.ts)) * 1000)::float8 as first_ms,
      (extract(epoch from max(ev.ts)) * 1000)::float8 as last_ms,
      to_json((array_agg(ev.seq order by ev.seq))[1:${literalInt(cap)}]) as entries
    from bursts b join ev on ev.key = b.key and ev.ts >= b.s and ev.ts <= b.e
    group by b.key, b.s, b.e
    order by min(ev.seq)`);
  return rowsOf<{
    key: string;
    count: number;
    variants: number;
    first_ms: number;
    last_ms: number;
    entries: number[];
  }>(result).map((r) => ({
    key: r.key,
    count: r.count,
    variants: r.variants,
    first: new Date(r.first_ms),
    last: new Date(r.last_ms),
    entries: r.entries,
  }));
}
