/**
 * A sandbox executor process: takes one run at a time from its parent over IPC, runs it in a fresh
 * isolate, computes what may be released, and answers with both. Tables are cached here by key within a memory budget, so a
 * parent sends a table's data only when this process does not hold it.
 */
import { executeRun, type TExecuted, type TReleaseMode } from '../execute.ts';
import type { TRunInput, TTable } from '../types.ts';
import { createTableCache } from './table-cache.ts';

export type TExecutorRequest = {
  type: 'run';
  runId: string;
  script: string;
  params: unknown;
  limits: TRunInput['limits'];
  release: TReleaseMode;
  /** Every table of the run by key; `table` is present when the parent knows this process lacks it. */
  tables: { key: string; table?: TTable }[];
};

export type TExecutorResponse =
  | { type: 'ready' }
  | { type: 'done'; runId: string; executed: TExecuted; cachedKeys: string[] }
  | { type: 'missing'; runId: string; keys: string[] };

const budgetBytes = Number(process.env.ENCLAVE_EXECUTOR_CACHE_BYTES ?? 1024 * 1024 * 1024);
const cache = createTableCache(budgetBytes);
const send = (m: TExecutorResponse) => process.send?.(m);

process.on('message', async (msg: TExecutorRequest) => {
  if (msg?.type !== 'run') return;
  for (const t of msg.tables) if (t.table) cache.put(t.key, t.table);
  const missing = msg.tables.filter((t) => !cache.get(t.key)).map((t) => t.key);
  if (missing.length > 0) {
    send({ type: 'missing', runId: msg.runId, keys: missing });
    return;
  }
  const tables = msg.tables.map((t) => cache.get(t.key)!);
  let executed: TExecuted;
  try {
    executed = await executeRun(
      { script: msg.script, params: msg.params, tables, limits: msg.limits },
      msg.release,
    );
  } catch (err) {
    const usage = { cpuMs: 0, wallMs: 0, peakHeapBytes: 0 };
    const errorMessage = err instanceof Error ? err.message : String(err);
    executed = {
      output: { ok: false, code: 'SANDBOX_INVALID_RESULT', errorMessage, logs: [], usage },
      decision: null,
    };
  }
  // Selection bitmaps stay here: the parent needs the decision and what was asked, not a row-sized
  // copy per aggregate.
  if (executed.output.ok) {
    const aggregates = executed.output.aggregates.map((a) => ({ ...a, selection: null }));
    executed = { ...executed, output: { ...executed.output, aggregates } };
  }
  send({ type: 'done', runId: msg.runId, executed, cachedKeys: cache.keys() });
});

process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
