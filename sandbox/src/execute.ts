import {
  filterProblem,
  materializeResult,
  releaseRun,
  type TDisclosurePolicy,
  type TReleaseDecision,
  withHostSelections,
} from './disclosure/index.ts';
import { runInIsolate, type TRunOptions } from './runner/run-in-isolate.ts';
import type { TRunInput, TRunOutput } from './types.ts';

/** How a run's output is to be released: under a contract's policy (real data) or in full (dummy data). */
export type TReleaseMode =
  | { mode: 'real'; policy: Omit<TDisclosurePolicy, 'cellKeySecret'>; cellKeySecretHex: string }
  | { mode: 'dummy' };

export type TExecuted = {
  output: TRunOutput;
  /** Null when the run failed. */
  decision: TReleaseDecision | { kind: 'dummy'; result: unknown } | null;
};

/** Literal words of the script and params: the only keys a released result may use. */
export function allowedLabels(script: string, params: unknown): Set<string> {
  const labels = new Set<string>(script.match(/[A-Za-z_$][\w$]*/g) ?? []);
  for (const n of script.match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi) ?? []) labels.add(String(Number(n)));
  for (const m of script.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`([^`$\\]*)`/g)) {
    labels.add(m[1] ?? m[2] ?? m[3] ?? '');
  }
  const walk = (v: unknown) => {
    if (typeof v === 'string') labels.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        labels.add(k);
        walk(x);
      }
    }
  };
  walk(params);
  return labels;
}

/**
 * Runs a script in a fresh isolate, then, outside the isolate, computes every released number
 * from the host's copy of the tables: under disclosure control on real data, in full on dummy data.
 */
export async function executeRun(
  input: TRunInput,
  release: TReleaseMode,
  options: TRunOptions = {},
): Promise<TExecuted> {
  const output = await runInIsolate(input, options);
  if (!output.ok) return { output, decision: null };
  if (release.mode === 'dummy') {
    return {
      output,
      decision: { kind: 'dummy', result: materializeResult(output.result, output.aggregates, input.tables) },
    };
  }
  const labels = allowedLabels(input.script, input.params);
  // Rows chosen by anything but literal where() clauses could depend on the data: review them.
  for (const a of output.aggregates) {
    const problem = filterProblem(a, labels);
    if (problem && containsMarker(output.result, a.id)) {
      const hostResult = materializeResult(output.result, output.aggregates, input.tables);
      return { output, decision: { kind: 'review', reason: problem, hostResult } };
    }
  }
  const decision = releaseRun({
    result: output.result,
    aggregates: withHostSelections(output.aggregates, input.tables),
    tables: input.tables,
    policy: { ...release.policy, cellKeySecret: Buffer.from(release.cellKeySecretHex, 'hex') },
    allowedLabels: labels,
  });
  return { output, decision };
}

function containsMarker(value: unknown, id: number): boolean {
  if (Array.isArray(value)) return value.some((v) => containsMarker(v, id));
  if (value && typeof value === 'object') {
    if ((value as { $aggregate?: unknown }).$aggregate === id) return true;
    return Object.values(value).some((v) => containsMarker(v, id));
  }
  return false;
}
