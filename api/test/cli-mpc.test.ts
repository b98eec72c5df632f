import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvRecords, parsePsiArgs, psiProgress, readIdentifiers } from '../src/commands/mpc-psi.ts';
import {
  errorLine,
  mpcKeys,
  parseMeasure,
  parseScoreArgs,
  type TCliIo,
  UsageError,
} from '../src/commands/mpc-score.ts';
import { type ApiProcess, separateDatabase, startApi } from './helpers/api-process.ts';
import { uploadData } from './helpers/datasets.ts';
import { activeContract } from './helpers/licences.ts';
import { socialRows } from './helpers/sandbox.ts';
import type { TestApp, TResponse } from './helpers/test-app.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const ADMIN = `enc_${'m'.repeat(43)}`;
const ROWS = socialRows();

/**
 * What the test helpers need of a `TestApp` (`req`, `user`, the admin's token), over HTTP to the
 * API process: the same steps as `activeContract`, against the real server.
 */
function overHttp(url: string): TestApp {
  const req: TestApp['req'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, headers: res.headers, text, json } satisfies TResponse;
  };
  let n = 0;
  const ok = (r: TResponse, what: string) => {
    if (r.status !== 201) throw new Error(`${what}: ${r.text}`);
    return r.json;
  };
  const user: TestApp['user'] = async (role) => {
    const org = ok(
      await req('POST', '/v1/orgs', { token: ADMIN, json: { name: `cli-${role}-${++n}` } }),
      'org',
    );
    const u = ok(
      await req('POST', '/v1/users', { token: ADMIN, json: { orgId: org.id, name: `${role}-${n}`, role } }),
      'user',
    );
    const t = ok(
      await req('POST', `/v1/users/${u.id}/tokens`, { token: ADMIN, json: { label: 'cli' } }),
      'token',
    );
    return { userId: u.id, orgId: org.id, token: t.token };
  };
  return { req, user, adminToken: ADMIN } as Partial<TestApp> as TestApp;
}

let env: Record<string, string>;
let dropDb: () => Promise<void> = async () => {};
let api: ApiProcess;
let c: Awaited<ReturnType<typeof activeContract>> & { slug: string };
const dir = mkdtempSync(join(tmpdir(), 'enclave-cli-mpc-'));
const silent: TCliIo = { out: () => {}, err: () => {}, env: {} };

beforeAll(async () => {
  env = {
    DATA_DIR: join(dir, 'data'),
    PORT: '0',
    LOG_LEVEL: 'warn',
    ENCLAVE_BOOTSTRAP_TOKEN: ADMIN,
    // The jobs (the platform's side of a join, a model's scoring) run in this process's workers.
    SANDBOX_EXECUTORS: '1',
    SANDBOX_POLL_MS: '100',
  };
  const db = await separateDatabase('enclave_climpc');
  if (db.url) env.DATABASE_URL = db.url;
  dropDb = db.drop;
  api = await startApi(env);
  const t = overHttp(api.url);
  const made = await activeContract(t, {
    columns: ['person_id', 'district', 'wage_base', 'birth_year'],
    application: { operations: ['he', 'psi'] },
  });
  const csv = `person_id,district,wage_base,birth_year\n${ROWS.map((r) => `${r.person_id},${r.district},${r.wage_base},${r.birth_year}`).join('\n')}\n`;
  const up = await uploadData(t, made.provider.token, made.datasetId, csv);
  if (up.status !== 201) throw new Error(`upload: ${up.text}`);
  const ds = await t.req('GET', `/v1/datasets/${made.datasetId}`, { token: made.provider.token });
  c = { ...made, slug: ds.json.slug };
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await dropDb();
  rmSync(dir, { recursive: true, force: true });
});

/** `enclave mpc …` as its own process. */
function mpc(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'mpc', ...args], {
      env: { ...process.env, ...env, ENCLAVE_TOKEN: '', ...extraEnv },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const trueMean = (district: string, col: 'wage_base' | 'birth_year') => {
  const rows = ROWS.filter((r) => r.district === district);
  return rows.reduce((s, r) => s + r[col], 0) / rows.length;
};

describe('enclave mpc against a running platform', () => {
  const keys = join(dir, 'keys');
  const keys16 = join(dir, 'keys-16384');
  const common = () => ['--url', api.url, '--contract', c.contractId];

  it('makes keys: the secret key private, a manifest, and no overwrite without --force', async () => {
    const [made, withRelin] = await Promise.all([
      mpc(['keys', '--param-set', 'ckks-8192', '--out', keys]),
      mpc(['keys', '--param-set', 'ckks-16384', '--relin', '--out', keys16]),
    ]);
    expect(made.code, made.err).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ paramSet: 'ckks-8192', dir: keys });
    expect(statSync(join(keys, 'he-secret-key.bin')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(keys, 'he-keys.json'), 'utf8'))).toEqual({
      paramSet: 'ckks-8192',
      files: { secretKey: 'he-secret-key.bin', relinKeys: null },
    });
    expect(withRelin.code, withRelin.err).toBe(0);
    expect(JSON.parse(withRelin.out).files).toEqual({
      secretKey: 'he-secret-key.bin',
      relinKeys: 'he-relin-keys.bin',
    });
    expect(statSync(join(keys16, 'he-relin-keys.bin')).size).toBeGreaterThan(1_000_000);
    // Again, in this process (the refusal comes before any key is made): the keys stay as they were.
    const before = readFileSync(join(keys, 'he-secret-key.bin'));
    const again = await mpcKeys(['--param-set', 'ckks-8192', '--out', keys], silent).catch(errorLine);
    expect(again).toMatch(/^KEYS_EXIST: .*he-secret-key\.bin, he-keys\.json; pass --force/);
    expect(readFileSync(join(keys, 'he-secret-key.bin')).equals(before)).toBe(true);
  });

  it('scores an encrypted model on protected district means: near the plain score, small districts absent', async () => {
    const res = await mpc([
      'score',
      ...common(),
      '--token',
      c.op.token,
      '--dataset',
      c.slug,
      '--group-by',
      'district',
      '--feature',
      'mean:wage_base:0:25000',
      '--feature',
      'mean:birth_year',
      '--weights',
      '0.001,2',
      '--bias',
      '5',
      '--keys',
      keys,
    ]);
    expect(res.code, res.err).toBe(0);
    expect(res.err).toContain('encrypting model…');
    expect(res.err).toMatch(/uploading 3 ciphertexts \(\d+ KB\)…/);
    expect(res.err).toMatch(/waiting for computation mc_\w+…/);
    expect(res.err).toContain('decrypting…');
    const out = JSON.parse(res.out);
    expect(out.computation).toMatch(/^mc_/);
    expect(out.epsilonCharged).toBeGreaterThan(0);
    const labels = out.groups.map((g: { label: string }) => g.label);
    expect(labels).toContain('西湖区');
    expect(labels).not.toContain('滨江区');
    expect(labels).not.toContain('余杭区');
    for (const g of out.groups) {
      expect(g.count % 5).toBe(0);
      expect(Number.isFinite(g.score)).toBe(true);
      if (!ROWS.some((r) => r.district === g.label)) continue;
      const plain = 0.001 * trueMean(g.label, 'wage_base') + 2 * trueMean(g.label, 'birth_year') + 5;
      expect(Math.abs(g.score - plain) / plain).toBeLessThan(0.05);
    }
  });

  it('applies a public polynomial to the score under ckks-16384, uploading relinearisation keys', async () => {
    const p = [0.5, 0.197, 0, -0.004];
    const res = await mpc([
      'score',
      ...common(),
      '--token',
      c.op.token,
      '--dataset',
      c.datasetId,
      '--group-by',
      'district',
      '--feature',
      'mean:birth_year',
      '--weights',
      '0.0001',
      '--bias',
      '0.3',
      '--polynomial',
      p.join(','),
      '--keys',
      keys16,
    ]);
    expect(res.code, res.err).toBe(0);
    expect(res.err).toMatch(/uploading relinearisation keys \(\d+\.\d MB\)…/);
    const out = JSON.parse(res.out);
    expect(out.groups.map((g: { label: string }) => g.label)).toContain('西湖区');
    for (const g of out.groups) {
      // Groups pass suppression on their noisy count, so now and then an empty district (萧山区) is
      // released too; its mean is noise alone and has no true value to compare with.
      if (!ROWS.some((r) => r.district === g.label)) continue;
      // z ≈ 0.5: the noise of a protected mean year moves p(z) by well under 1 %, p(z) and z differ by 20 %.
      const z = 0.0001 * trueMean(g.label, 'birth_year') + 0.3;
      const plain = p[0]! + p[1]! * z + p[3]! * z ** 3;
      expect(Math.abs(g.score - plain) / plain, `${g.label}: ${g.score} vs ${plain}`).toBeLessThan(0.01);
    }
  });

  it('joins privately on identifiers from a file: protected counts per district, no identifier printed', async () => {
    const mine = ROWS.filter((_, i) => i % 2 === 0).map((r) => r.person_id);
    const strangers = Array.from({ length: 150 }, (_, i) => `stranger-${i}`);
    const file = join(dir, 'ids.txt');
    writeFileSync(
      file,
      `${[...mine, '', ...strangers].map((id, i) => (i % 3 ? id : `  ${id} `)).join('\n')}\n\n`,
    );
    // The token from ENCLAVE_TOKEN this time.
    const res = await mpc(
      [
        'psi',
        ...common(),
        '--dataset',
        c.datasetId,
        '--id-column',
        'person_id',
        '--group-by',
        'district',
        '--measure',
        'mean:wage_base',
        '--ids',
        file,
      ],
      { ENCLAVE_TOKEN: c.op.token },
    );
    expect(res.code, res.err).toBe(0);
    expect(res.err).toContain(`read ${mine.length + strangers.length} identifiers`);
    expect(res.err).toMatch(/hashing identifiers: \d+%/);
    expect(res.err).toMatch(/blinding identifiers: \d+%/);
    expect(res.err).toMatch(/blinding the platform's points: \d+%/);
    const out = JSON.parse(res.out);
    expect(out.computation).toMatch(/^mc_/);
    expect(out.columns).toEqual(['district', 'count', 'mean(wage_base)']);
    expect(out.identifiers).toBe(mine.length + strangers.length);
    const byDistrict = Object.fromEntries(out.rows.map((r: unknown[]) => [r[0], r]));
    expect(byDistrict.西湖区).toBeDefined();
    expect(byDistrict.余杭区).toBeUndefined();
    for (const row of out.rows) expect(row[1] % 5).toBe(0);
    expect(`${res.out}${res.err}`).not.toMatch(/P0\d{5}|stranger-/);
  });

  it('shows an API refusal as CODE: detail and exits 1; missing arguments print usage and exit 2', async () => {
    const score = (token: string, ...more: string[]) => [
      'score',
      ...common(),
      '--token',
      token,
      '--dataset',
      c.datasetId,
      '--group-by',
      'district',
      '--feature',
      'mean:wage_base',
      '--weights',
      '1',
      ...more,
      '--keys',
      keys,
    ];
    const [refused, bare, missing] = await Promise.all([
      mpc(score(`enc_${'x'.repeat(43)}`, '--bias', '0')),
      mpc([]),
      mpc(score(c.op.token)),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^UNAUTHENTICATED: /m);
    expect(refused.out).toBe('');
    for (const res of [bare, missing]) {
      expect(res.code, res.err).toBe(2);
      expect(res.err).toContain('mpc score --url <base>');
      expect(res.out).toBe('');
    }
    expect(missing.err).toContain('enclave mpc score: missing --bias');
  });
});

describe('enclave mpc arguments and inputs', () => {
  const io = (now: () => number) => {
    const lines: string[] = [];
    const value: TCliIo = { out: () => {}, err: (l) => lines.push(l), env: {}, now };
    return { io: value, lines };
  };

  it('parses features with bounds, negative numbers and the token from the environment', () => {
    expect(parseMeasure('sum:wage_base:-5:5e4', '--feature')).toEqual({
      statistic: 'sum',
      column: 'wage_base',
      bounds: { min: -5, max: 50_000 },
    });
    for (const bad of ['median:x', 'mean', 'mean:x:5:1', 'mean:x:1'])
      expect(() => parseMeasure(bad, '--feature')).toThrow(UsageError);
    const input = parseScoreArgs(
      '--url http://h:1/base --contract k --dataset d --group-by g --feature mean:a --feature sum:b --weights -0.5,2 --bias -3 --polynomial 0.5,0.197,0,-0.004 --keys ks'.split(
        ' ',
      ),
      { ENCLAVE_TOKEN: 'tok' },
    );
    expect(input).toMatchObject({
      token: 'tok',
      weights: [-0.5, 2],
      bias: -3,
      polynomial: [0.5, 0.197, 0, -0.004],
    });
    expect(() =>
      parseScoreArgs(
        '--url http://h --token t --contract k --dataset d --group-by g --feature mean:a --weights 1,2 --bias 0 --keys ks'.split(
          ' ',
        ),
        {},
      ),
    ).toThrow(/1 --feature need as many --weights, not 2/);
  });

  it('reads CSV records: quotes, doubled quotes, commas and newlines in quotes, CRLF', () => {
    expect(csvRecords('a,b\r\n"x,1","say ""hi"""\n"multi\nline",\n', 'f')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x,1', 'say "hi"'], line: 2 },
      { fields: ['multi\nline', ''], line: 3 },
    ]);
    expect(() => csvRecords('a\n"open\n', 'f')).toThrow(/line 2 is never closed/);
  });

  it('reads identifiers: trimmed, distinct, empty lines skipped; a refusal names the line, not the identifier', async () => {
    const file = join(dir, 'unit-ids.txt');
    writeFileSync(file, '\uFEFF a \r\nb\n\n a\n');
    expect(await readIdentifiers(file, null)).toEqual({ ids: ['a', 'b'], read: 3, duplicates: 1 });
    writeFileSync(file, `ok\n${'s'.repeat(2000)}\n`);
    await expect(readIdentifiers(file, null)).rejects.toThrow(/line 2 is longer than/);
    writeFileSync(file, 'id\n\n');
    await expect(readIdentifiers(file, 'missing')).rejects.toThrow(/no column missing/);
    await expect(readIdentifiers(file, 'id')).rejects.toThrow(/holds no identifiers/);
  });

  it('reads identifiers from the named column of a CSV with a header', async () => {
    const file = join(dir, 'unit-ids.csv');
    writeFileSync(file, 'n,customer,name\r\n1,"C-1","Doe, ""J"""\r\n2, C-2 ,x\r\n3,,y\r\n4\r\n5,C-1,z\r\n');
    expect(await readIdentifiers(file, 'customer')).toEqual({ ids: ['C-1', 'C-2'], read: 3, duplicates: 1 });
  });

  it('refuses bad arguments as usage errors before doing anything', async () => {
    const base = ['--url', 'http://h', '--token', 't', '--contract', 'k', '--dataset', 'd'];
    const refusals: [() => unknown, RegExp][] = [
      [() => parsePsiArgs([...base, '--id-column', 'person_id'], {}), /missing --ids/],
      [
        () => parsePsiArgs([...base, '--id-column', 'p', '--ids', 'f', '--measure', 'max:x'], {}),
        /mean\|sum/,
      ],
      [() => parsePsiArgs(['--url', 'ftp://h', '--token', 't'], {}), /missing --contract/],
      [
        () =>
          parsePsiArgs(
            [...base.slice(0, 2), '--contract', 'k', '--dataset', 'd', '--id-column', 'p', '--ids', 'f'],
            {},
          ),
        /missing --token \(or ENCLAVE_TOKEN\)/,
      ],
      [
        () => parsePsiArgs(['--url', 'ftp://h', ...base.slice(2), '--id-column', 'p', '--ids', 'f'], {}),
        /http\(s\)/,
      ],
      [() => parsePsiArgs([...base, '--id-column', 'p', '--ids', 'f', 'extra'], {}), /Unexpected argument/],
      [
        () =>
          parseScoreArgs(
            [
              ...base,
              '--group-by',
              'g',
              '--feature',
              'mean:a',
              '--weights',
              '1,x',
              '--bias',
              '0',
              '--keys',
              'k',
            ],
            {},
          ),
        /--weights: x is not a number/,
      ],
      [
        () =>
          parseScoreArgs(
            [
              ...base,
              '--group-by',
              'g',
              '--feature',
              'mean:a',
              '--weights',
              '1',
              '--bias',
              '0',
              '--keys',
              'k',
              '--polynomial',
              '1',
            ],
            {},
          ),
        /2 to 4 coefficients/,
      ],
    ];
    for (const [f, message] of refusals) {
      expect(f).toThrow(UsageError);
      expect(f).toThrow(message);
    }
    await expect(mpcKeys(['--param-set', 'ckks-1024', '--out', join(dir, 'never')], silent)).rejects.toThrow(
      /--param-set must be one of ckks-8192, ckks-16384/,
    );
    await expect(
      mpcKeys(['--param-set', 'ckks-8192', '--relin', '--out', join(dir, 'never')], silent),
    ).rejects.toThrow(UsageError);
    await expect(mpcKeys(['--out', join(dir, 'never')], silent)).rejects.toThrow(/missing --param-set/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('replaces keys with --force: the new secret key private, stale relinearisation keys gone', async () => {
    const out = join(dir, 'forced');
    mkdirSync(out);
    for (const f of ['he-secret-key.bin', 'he-relin-keys.bin', 'he-keys.json'])
      writeFileSync(join(out, f), 'old', { mode: 0o644 });
    expect(await mpcKeys(['--param-set', 'ckks-8192', '--out', out, '--force'], silent)).toBe(0);
    expect(statSync(join(out, 'he-secret-key.bin')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'he-secret-key.bin')).size).toBeGreaterThan(100_000);
    expect(existsSync(join(out, 'he-relin-keys.bin'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'he-keys.json'), 'utf8')).files.relinKeys).toBeNull();
  });

  it('throttles progress to one line every 500 ms within a stage, besides its first and last', () => {
    let t = 0;
    const { io: out, lines } = io(() => t);
    const report = psiProgress(out);
    for (let done = 0; done <= 1000; done += 10, t += 20) report('hash', done, 1000);
    for (let done = 256; done <= 1024; done += 256, t += 50) report('answer', done, 1024);
    // 2 s of hashing: the first line, then one each 500 ms; a new stage shows at once, and its end.
    expect(lines).toEqual([
      'hashing identifiers: 0% (0 of 1000)',
      'hashing identifiers: 25% (250 of 1000)',
      'hashing identifiers: 50% (500 of 1000)',
      'hashing identifiers: 75% (750 of 1000)',
      'hashing identifiers: 100% (1000 of 1000)',
      "blinding the platform's points: 25% (256 of 1024)",
      "blinding the platform's points: 100% (1024 of 1024)",
    ]);
  });
});
