/**
 * A sandbox executor process: takes one run at a time from its parent over IPC, runs it in a fresh
 * isolate, computes what may be released, and answers with both. Tables are cached here by key within a memory budget, so a
 * parent sends a table's data only when this process does not hold it.
 *
 * It retires (answers its run, saying so, then ends itself) when it lost control of an isolate or
 * when its resident memory is over its limit after a run: the parent starts a fresh one at once.
 */
import { executeRun, type TCharge, type TExecuted, type TExecuteInput } from '../execute.ts';
import type { TTable } from '../types.ts';
import { createTableCache } from './table-cache.ts';

/** A table of a run by key; `table` is present when the parent knows this process lacks it. */
export type TExecutorTable = { key: string; table?: TTable };

export type TExecutorRequest =
  | {
      type: 'run';
      runId: string;
      script: string;
      params: unknown;
      limits: TExecuteInput['limits'];
      kind: TExecuteInput['kind'];
      release: TExecuteInput['release'];
      scriptTables: TExecutorTable[];
      hostTables: TExecutorTable[];
      /** Whether releases are charged: then each asks the parent, which asks the budget. */
      isCharged: boolean;
    }
  | { type: 'charged'; runId: string; seq: number; charge: TCharge };

export type TExecutorResponse =
  | { type: 'ready' }
  /** `isRetiring`: this process takes no other run and is ending itself. */
  | { type: 'done'; runId: string; executed: TExecuted; cachedKeys: string[]; isRetiring: boolean }
  | { type: 'missing'; runId: string; keys: string[] }
  | { type: 'charge'; runId: string; seq: number; statistics: { digest: string; epsilon: number }[] }
  /** Retiring between runs: a run sent meanwhile is not started. */
  | { type: 'retiring' };

const budgetBytes = Number(process.env.ENCLAVE_EXECUTOR_CACHE_BYTES ?? 1024 * 1024 * 1024);
const rssLimitBytes = Number(process.env.ENCLAVE_EXECUTOR_RSS_LIMIT_BYTES ?? Number.POSITIVE_INFINITY);
const cache = createTableCache(budgetBytes);
const send = (m: TExecutorResponse) => process.send?.(m);
/** Charges in flight, by sequence number: the parent answers each with `charged`. */
const pendingCharges = new Map<number, (c: TCharge) => void>();
let nextCharge = 0;
/** The run being executed, if any. */
let runningId: string | null = null;
/** Why this process lost control of an isolate, once it has. */
let lostControl: string | null = null;
let isRetiring = false;

process.on('message', async (msg: TExecutorRequest) => {
  if (msg?.type === 'charged') {
    pendingCharges.get(msg.seq)?.(msg.charge);
    pendingCharges.delete(msg.seq);
    return;
  }
  if (msg?.type !== 'run' || isRetiring) return;
  const all = [...msg.scriptTables, ...msg.hostTables];
  for (const t of all) if (t.table) cache.put(t.key, t.table);
  // A table sent with the run is used even if the cache could not keep it.
  const sent = new Map(all.flatMap((t) => (t.table ? [[t.key, t.table] as const] : [])));
  const tableOf = (key: string) => sent.get(key) ?? cache.get(key);
  const missing = [...new Set(all.filter((t) => !tableOf(t.key)).map((t) => t.key))];
  if (missing.length > 0) {
    send({ type: 'missing', runId: msg.runId, keys: missing });
    return;
  }
  const charge = (statistics: { digest: string; epsilon: number }[]) =>
    new Promise<TCharge>((resolve) => {
      const seq = nextCharge++;
      pendingCharges.set(seq, resolve);
      send({ type: 'charge', runId: msg.runId, seq, statistics });
    });
  runningId = msg.runId;
  let executed: TExecuted;
  try {
    executed = await executeRun(
      {
        script: msg.script,
        params: msg.params,
        limits: msg.limits,
        kind: msg.kind,
        release: msg.release,
        scriptTables: msg.scriptTables.map((t) => tableOf(t.key)!),
        hostTables: msg.hostTables.map((t) => tableOf(t.key)!),
        charge: msg.isCharged ? charge : null,
      },
      { onCatastrophicError: noteLostControl },
    );
  } catch (err) {
    executed = hostFailure(msg.runId, err);
  }
  runningId = null;
  // Selection bitmaps stay here: the parent needs the outcome and what was asked, not a row-sized
  // copy per aggregate.
  if (executed.output.ok) {
    const aggregates = executed.output.aggregates.map((a) => ({ ...a, selection: null }));
    executed = { ...executed, output: { ...executed.output, aggregates } };
  }
  const reason = retireReason();
  const done: TExecutorResponse = {
    type: 'done',
    runId: msg.runId,
    executed,
    cachedKeys: cache.keys(),
    isRetiring: reason !== null,
  };
  if (reason === null) send(done);
  else retire(reason, done);
});

/**
 * Host code failed (a bug, or the host's data): not the script's doing. The caller gets a fixed
 * message, never the error's, which may hold a stack trace or a file path; the host's log gets it.
 */
function hostFailure(runId: string, err: unknown): TExecuted {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`sandbox executor ${process.pid}: host error in run ${runId}: ${detail}\n`);
  const errorMessage = 'The sandbox host failed while handling the run.';
  const usage = { cpuMs: 0, wallMs: 0, peakHeapBytes: 0 };
  return {
    output: { ok: false, code: 'SANDBOX_HOST_ERROR', errorMessage, logs: [], usage, touched: [] },
    outcome: null,
  };
}

/** isolated-vm (or the runner) lost control of an isolate: retire, after the run in progress if any. */
function noteLostControl(message: string) {
  lostControl ??= message;
  if (runningId === null && !isRetiring)
    retire(`lost control of an isolate (${message})`, { type: 'retiring' });
}

/** Why this process must take no other run, or null if it may. */
function retireReason(): string | null {
  if (lostControl !== null) return `lost control of an isolate (${lostControl})`;
  const rss = process.memoryUsage().rss;
  if (rss > rssLimitBytes) {
    return `resident memory ${Math.round(rss / 2 ** 20)} MB is over its limit of ${Math.round(rssLimitBytes / 2 ** 20)} MB`;
  }
  return null;
}

/**
 * Sends `last` and ends this process. SIGKILL, because process.exit() would wait for ever for an
 * isolate thread isolated-vm suspended, or one still spinning.
 */
function retire(reason: string, last: TExecutorResponse) {
  isRetiring = true;
  process.stderr.write(`sandbox executor ${process.pid} retires: ${reason}\n`);
  const end = () => process.kill(process.pid, 'SIGKILL');
  if (!process.send) return end();
  // Once sent, the message is in the channel and reaches the parent even though this process is gone.
  process.send(last, end);
  setTimeout(end, 5_000);
}

// The parent is gone: end at once. Not process.exit(), which waits for any isolate thread still running.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
send({ type: 'ready' });
