import { uploadData } from './datasets.ts';
import { activeContract } from './licences.ts';
import type { TestApp } from './test-app.ts';

/**
 * Real rows for the restricted test dataset: districts of very different sizes (one of a single
 * person), wages from a simple formula so expected values can be computed in the test.
 */
export function socialRows(
  sizes: Record<string, number> = { 西湖区: 120, 上城区: 60, 拱墅区: 23, 滨江区: 4, 余杭区: 1 },
) {
  const rows: { person_id: string; district: string; wage_base: number; birth_year: number }[] = [];
  let i = 0;
  for (const [district, n] of Object.entries(sizes)) {
    for (let k = 0; k < n; k++, i++) {
      rows.push({
        person_id: `P${String(i).padStart(6, '0')}`,
        district,
        wage_base: 4000 + ((i * 37) % 200) * 100,
        birth_year: 1960 + (i % 40),
      });
    }
  }
  return rows;
}

/** An active sandbox contract over a restricted dataset loaded with `rows`, and an open session. */
export async function sandboxSession(
  t: TestApp,
  opts: {
    policy?: Record<string, unknown>;
    rows?: ReturnType<typeof socialRows>;
    columns?: string[];
  } & Pick<Parameters<typeof activeContract>[1] & {}, 'op' | 'provider'> = {},
) {
  const c = await activeContract(t, {
    op: opts.op,
    provider: opts.provider,
    policy: opts.policy,
    columns: opts.columns ?? ['district', 'wage_base', 'birth_year'],
  });
  const rows = opts.rows ?? socialRows();
  const csv = `person_id,district,wage_base,birth_year\n${rows.map((r) => `${r.person_id},${r.district},${r.wage_base},${r.birth_year}`).join('\n')}\n`;
  const up = await uploadData(t, c.provider.token, c.datasetId, csv);
  if (up.status !== 201) throw new Error(`upload: ${up.text}`);
  const ds = await t.req('GET', `/v1/datasets/${c.datasetId}`, { token: c.provider.token });
  const session = await t.req('POST', '/v1/sandbox/sessions', {
    token: c.op.token,
    json: { contractId: c.contractId },
  });
  if (session.status !== 201) throw new Error(`session: ${session.text}`);
  return { ...c, slug: ds.json.slug as string, sessionId: session.json.id as string, rows };
}

/** Submits a run and waits until the workers have finished it. */
export async function runScript(
  t: TestApp,
  s: { op: { token: string }; sessionId: string },
  script: string,
  opts: {
    target?: 'real' | 'dummy';
    kind?: 'aggregate' | 'rows';
    params?: unknown;
    epsilon?: number;
    cpuMs?: number;
  } = {},
) {
  const submitted = await t.req('POST', `/v1/sandbox/sessions/${s.sessionId}/runs`, {
    token: s.op.token,
    json: {
      script,
      target: opts.target ?? 'real',
      ...(opts.kind ? { kind: opts.kind } : {}),
      ...(opts.params !== undefined ? { params: opts.params } : {}),
      ...(opts.epsilon ? { epsilon: opts.epsilon } : {}),
      ...(opts.cpuMs ? { cpuMs: opts.cpuMs } : {}),
    },
  });
  if (submitted.status !== 202) return { submitted, run: null };
  for (let i = 0; i < 600; i++) {
    await t.sandbox!.dispatcher.idle();
    const run = await t.req('GET', `/v1/sandbox/runs/${submitted.json.id}?wait=5`, { token: s.op.token });
    if (run.json.status !== 'queued' && run.json.status !== 'running') return { submitted, run: run.json };
  }
  throw new Error('run did not finish');
}
