import { countersignContract } from '@enclave/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWorker } from '../src/server.ts';
import { publishDataset, uploadData } from './helpers/datasets.ts';
import { operatorWithKey, termFromNow } from './helpers/licences.ts';
import { runScript } from './helpers/sandbox.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

/*
 * What a licensed operator tried from outside, each as it was done, against the whole platform:
 * averaging the noise away over many slightly different row sets, reconstructing a small table
 * from many subset counts, overspending the budget with concurrent runs, and getting raw cells
 * out through review or through one provider's approval of another's data.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ sandbox: 2, graceMs: 300 });
});
afterAll(() => t.close());

type TColumn = Record<string, unknown>;

/**
 * An active sandbox contract over restricted datasets, each of its own provider and loaded with
 * its CSV, and an open session.
 */
async function licensed(tables: { columns: TColumn[]; csv: string }[], policy: Record<string, unknown> = {}) {
  const op = await operatorWithKey(t);
  const parts = [];
  for (const table of tables) {
    const provider = await t.user('provider');
    const datasetId = await publishDataset(t, provider.token, {
      openness: 'conditional',
      sharing: 'conditional',
      sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
      classification: 3,
      title: '受限数据',
      columns: table.columns,
    });
    const up = await uploadData(t, provider.token, datasetId, table.csv);
    if (up.status !== 201) throw new Error(`upload: ${up.text}`);
    const ds = await t.req('GET', `/v1/datasets/${datasetId}`, { token: provider.token });
    parts.push({
      provider,
      datasetId,
      slug: ds.json.slug as string,
      columns: table.columns.map((c) => c.name as string),
    });
  }
  const applied = await t.req('POST', '/v1/applications', {
    token: op.token,
    json: {
      datasets: parts.map((p) => ({ datasetId: p.datasetId, columns: p.columns })),
      purpose: '统计分析',
      scenario: '宏观统计分析',
      operations: ['sandbox'],
      term: termFromNow(),
    },
  });
  if (applied.status !== 201) throw new Error(`apply: ${applied.text}`);
  let contractId = '';
  for (const p of parts) {
    const decided = await t.req('POST', `/v1/applications/${applied.json.id}/decisions`, {
      token: p.provider.token,
      json: { datasetId: p.datasetId, decision: 'approve', policy },
    });
    if (decided.status !== 200) throw new Error(`decide: ${decided.text}`);
    contractId = decided.json.contractId ?? contractId;
  }
  const doc = await t.req('GET', `/v1/contracts/${contractId}`, { token: op.token });
  await t.req('POST', `/v1/contracts/${contractId}/countersign`, {
    token: op.token,
    json: await countersignContract(doc.json.jws, op.key),
  });
  const session = await t.req('POST', '/v1/sandbox/sessions', { token: op.token, json: { contractId } });
  if (session.status !== 201) throw new Error(`session: ${session.text}`);
  return { op, parts, contractId, sessionId: session.json.id as string };
}

const REGIONS = ['R1', 'R2', 'R3'];

/** Firms of three regions; in R1 one firm earns far more than the other sixty together. */
function firms() {
  const rows: { id: string; region: string; income: number }[] = [];
  for (const region of REGIONS) {
    for (let k = 0; k < 61; k++)
      rows.push({ id: `${region}-${k}`, region, income: 100_000 + ((k * 7919) % 900_000) });
  }
  rows[0]!.income = 60_000_000;
  const columns = [
    { name: 'firm_id', type: 'string', nullable: false, sensitivity: 'identifier' },
    { name: 'region', type: 'string', nullable: false, sensitivity: 'public', codes: REGIONS },
    { name: 'income', type: 'number', nullable: false, sensitivity: 'sensitive', min: 0, max: 100_000_000 },
  ];
  const csv = `firm_id,region,income\n${rows.map((r) => `${r.id},${r.region},${r.income}`).join('\n')}\n`;
  return { rows, columns, csv };
}

/** Least squares for x in A x ≈ b (normal equations with a tiny ridge, Gaussian elimination). */
function leastSquares(a: number[][], b: number[], n: number): number[] {
  const m = Array.from({ length: n }, (_, i) => [
    ...Array.from(
      { length: n },
      (_, j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? 1e-6 : 0),
    ),
    a.reduce((s, row, r) => s + row[i]! * b[r]!, 0),
  ]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** A deterministic generator for the attacker's random choices. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('attacks by a licensed operator', () => {
  it('cannot average away the noise over thousands of overlapping row sets to recover a dominant firm', async () => {
    const { rows, columns, csv } = firms();
    const c = await licensed([{ columns, csv }]);
    const slug = JSON.stringify(c.parts[0]!.slug);
    const dominant = rows[0]!.income;
    const others = rows.filter((r) => r.region === 'R1' && r !== rows[0]).map((r) => r.id);
    const rnd = random(1);
    // R1 less one, two or three other firms, a thousand times a run.
    const sets = () =>
      Array.from({ length: 1000 }, () => {
        const drop = new Set(
          Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => others[Math.floor(rnd() * others.length)]),
        );
        return others.filter((id) => !drop.has(id)).concat(rows[0]!.id);
      });
    const script = `const t = enclave.table(${slug});
      return params.sets.map((ids) => t.where('region', 'eq', 'R1').where('firm_id', 'in', ids).sum('income'));`;
    const answers: number[] = [];
    let noiseSd = 0;
    let refused = 0;
    for (let run = 0; run < 3; run++) {
      const { submitted, run: out } = await runScript(t, c, script, { params: { sets: sets() } });
      if (submitted.status !== 202 || out.status !== 'succeeded') {
        refused++;
        continue;
      }
      noiseSd = out.disclosure.items[0].noiseSd['sum_income (sum)'];
      for (const table of out.result) if (table.rows[0][0] !== null) answers.push(table.rows[0][0]);
    }
    // Each released sum carries noise of its share of the run's epsilon: scaled to the bounds' range,
    // it dwarfs the firm, and averaging n answers only divides it by √n.
    expect(noiseSd / Math.sqrt(3000)).toBeGreaterThan(dominant);
    const estimate = answers.length ? answers.reduce((a, b) => a + b, 0) / answers.length : null;
    if (estimate !== null) expect(Math.abs(estimate - dominant) / dominant).toBeGreaterThan(0.2);
    expect(refused).toBe(0);
  }, 120_000);

  it('cannot reconstruct a small table from many subset counts before the budget stops it', async () => {
    const n = 40;
    const rnd = random(7);
    const secret = Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
    const columns = [
      { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
      { name: 'benefit', type: 'boolean', nullable: false, sensitivity: 'sensitive' },
    ];
    const ids = secret.map((_, i) => `P${String(i).padStart(3, '0')}`);
    const csv = `person_id,benefit\n${ids.map((id, i) => `${id},${secret[i] === 1}`).join('\n')}\n`;
    const c = await licensed([{ columns, csv }]);
    const slug = JSON.stringify(c.parts[0]!.slug);
    const subsets = Array.from({ length: 160 }, () => ids.map(() => (rnd() < 0.5 ? 1 : 0)));
    const script = `const t = enclave.table(${slug});
      return params.subsets.map((pick) => t.where('person_id', 'in', pick.flatMap((b, i) => (b ? [params.ids[i]] : []))).where('benefit', 'eq', true).count());`;
    // The whole budget on one run: the least noise the attacker can buy.
    const { run } = await runScript(t, c, script, { params: { subsets, ids }, epsilon: 10 });
    expect(run.status).toBe('succeeded');
    const rowsOf = (answers: (number | null)[]) => {
      const a: number[][] = [];
      const b: number[] = [];
      answers.forEach((v, q) => {
        if (v === null) return;
        a.push(subsets[q]!);
        b.push(v);
      });
      return leastSquares(a, b, n).map((x) => (x > 0.5 ? 1 : 0));
    };
    const accuracy = (guess: number[]) => guess.filter((g, i) => g === secret[i]).length / n;
    // Exact answers would give every bit away: the attack works when nothing protects the counts.
    const exact = subsets.map((pick) => pick.reduce<number>((s, b, i) => s + b * secret[i]!, 0));
    expect(accuracy(rowsOf(exact))).toBe(1);
    const released = run.result.map((table: { rows: (number | null)[][] }) => table.rows[0]![0]!);
    expect(accuracy(rowsOf(released))).toBeLessThan(0.8);
    // And there is no more to buy.
    const more = await runScript(t, c, script, { params: { subsets, ids }, epsilon: 0.01 });
    expect(more.submitted.status).toBe(409);
    expect(more.submitted.json.code).toBe('BUDGET_EXHAUSTED');
  }, 120_000);

  it('spends exactly what the budget allows when 16 runs race on two workers', async () => {
    const { columns, csv } = firms();
    const c = await licensed([{ columns, csv }], { epsilon: 1 });
    const second = startSandboxWorker(t.deps, 2);
    try {
      const slug = JSON.stringify(c.parts[0]!.slug);
      const script = `return enclave.table(${slug}).where('income', 'gt', params.floor).count();`;
      const submitted = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          t.req('POST', `/v1/sandbox/sessions/${c.sessionId}/runs`, {
            token: c.op.token,
            json: { script, target: 'real', params: { floor: 1000 * i }, epsilon: 0.1 },
          }),
        ),
      );
      const outcomes: string[] = [];
      for (const s of submitted) {
        if (s.status !== 202) {
          outcomes.push(s.json.code);
          continue;
        }
        for (;;) {
          const r = await t.req('GET', `/v1/sandbox/runs/${s.json.id}?wait=10`, { token: c.op.token });
          if (r.json.status !== 'queued' && r.json.status !== 'running') {
            outcomes.push(r.json.status === 'succeeded' ? 'succeeded' : r.json.errorCode);
            break;
          }
        }
      }
      expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(10);
      expect(outcomes.filter((o) => o === 'BUDGET_EXHAUSTED')).toHaveLength(6);
      const budget = await t.req('GET', `/v1/contracts/${c.contractId}/budget`, { token: c.op.token });
      expect(budget.json.spent).toBeCloseTo(1, 9);
      expect(budget.json.spent).toBeLessThanOrEqual(1 + 1e-12);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('needs every provider whose data a held run read, and any one of them can reject it', async () => {
    const { columns, csv } = firms();
    const people = {
      columns: [
        { name: 'person_id', type: 'string', nullable: false, sensitivity: 'identifier' },
        { name: 'region', type: 'string', nullable: false, sensitivity: 'public', codes: REGIONS },
      ],
      csv: `person_id,region\n${Array.from({ length: 90 }, (_, i) => `P${i},${REGIONS[i % 3]}`).join('\n')}\n`,
    };
    const c = await licensed([{ columns, csv }, people]);
    const [a, b] = c.parts as [(typeof c.parts)[0], (typeof c.parts)[0]];
    const both = `const x = enclave.table(${JSON.stringify(a.slug)}); const y = enclave.table(${JSON.stringify(b.slug)});
      return { firms: x.groupBy('region').count(), people: y.groupBy('region').count() };`;
    const queue = async (token: string) =>
      (await t.req('GET', '/v1/reviews', { token })).json.items.map((i: { run: { id: string } }) => i.run.id);
    const decide = (token: string, id: string, decision: string) =>
      t.req('POST', `/v1/reviews/${id}`, { token, json: { decision, reason: '审核' } });

    const { run } = await runScript(t, c, both, { kind: 'rows', cpuMs: 200 });
    expect(run.status).toBe('pending_review');
    expect(await queue(a.provider.token)).toContain(run.id);
    expect(await queue(b.provider.token)).toContain(run.id);
    expect((await decide(a.provider.token, run.id, 'approve')).json.status).toBe('pending_review');
    // One approval of two: the operator sees nothing yet, and the other provider still decides.
    const waiting = await t.req('GET', `/v1/sandbox/runs/${run.id}`, { token: c.op.token });
    expect(waiting.json).toMatchObject({ status: 'pending_review', result: null });
    expect(await queue(a.provider.token)).not.toContain(run.id);
    expect(await queue(b.provider.token)).toContain(run.id);
    expect((await decide(a.provider.token, run.id, 'approve')).status).toBe(409);
    expect((await decide(b.provider.token, run.id, 'approve')).json.status).toBe('succeeded');
    const released = await t.req('GET', `/v1/sandbox/runs/${run.id}`, { token: c.op.token });
    expect(released.json.result.people.columns).toEqual(['region', 'count']);

    const { run: rejected } = await runScript(t, c, both, { kind: 'rows', cpuMs: 200 });
    expect((await decide(b.provider.token, rejected.id, 'reject')).json.status).toBe('rejected');
    expect((await decide(a.provider.token, rejected.id, 'approve')).status).toBe(409);

    // A run that read only the first provider's data is that provider's alone to review.
    const { run: one } = await runScript(t, c, `return enclave.table(${JSON.stringify(a.slug)}).count();`, {
      kind: 'rows',
      cpuMs: 200,
    });
    expect(await queue(b.provider.token)).not.toContain(one.id);
    expect((await decide(b.provider.token, one.id, 'approve')).status).toBe(404);
    expect((await decide(a.provider.token, one.id, 'approve')).json.status).toBe('succeeded');
  }, 120_000);

  it('gets no raw cell out through an approved review: the reviewed aggregates are released under control', async () => {
    const { rows, columns, csv } = firms();
    const c = await licensed([{ columns, csv }]);
    const slug = JSON.stringify(c.parts[0]!.slug);
    const { run } = await runScript(
      t,
      c,
      `const t = enclave.table(${slug}); return t.where('firm_id', 'in', ['R1-0', 'R1-1']).groupBy('region').agg({ n: 'count', total: ['sum', 'income'] });`,
      { kind: 'rows', cpuMs: 200 },
    );
    const [item] = (await t.req('GET', '/v1/reviews', { token: c.parts[0]!.provider.token })).json.items;
    // The reviewer sees the exact cell, and the automatic check that it has two rows.
    expect(item.held.result.rows).toEqual([['R1', 2, rows[0]!.income + rows[1]!.income]]);
    expect(item.held.findings[0].finding).toMatch(/fewer than 10 rows/);
    await t.req('POST', `/v1/reviews/${run.id}`, {
      token: c.parts[0]!.provider.token,
      json: { decision: 'approve', reason: '误批' },
    });
    const seen = await t.req('GET', `/v1/sandbox/runs/${run.id}`, { token: c.op.token });
    expect(seen.json.status).toBe('succeeded');
    // Two firms make no releasable cell: the approved result holds no value of theirs.
    const r1 = seen.json.result.rows.find((r: unknown[]) => r[0] === 'R1');
    expect(r1 === undefined || (r1[1] === null && r1[2] === null)).toBe(true);
    expect(JSON.stringify(seen.json.result)).not.toContain(String(rows[0]!.income + rows[1]!.income));
  });
});
