import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import {
  call,
  createHeKeys,
  decryptScores,
  encryptModel,
  MpcApiError,
  MpcError,
  PARAM_SETS,
  type THeKeys,
  type TMpcApi,
  type TParamSetId,
} from '@enclave/mpc/client';

/**
 * `enclave mpc keys` and `enclave mpc score`: the operator's side of scoring a model under
 * homomorphic encryption, and what `enclave mpc psi` shares with them (arguments, the API, errors).
 * Progress goes to stderr, the result (JSON) to stdout.
 */

/** Where a command writes: the result to stdout, progress and errors to stderr. */
export type TCliIo = {
  out(text: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** Milliseconds, for throttling progress; `Date.now` unless a test sets it. */
  now?: () => number;
};

/** Arguments the command cannot run with: the CLI prints usage and exits 2. */
export class UsageError extends Error {}

/** A failure with a stable code, shown as `CODE: detail`; the CLI exits 1. */
export class CliError extends Error {
  readonly code: string;
  constructor(code: string, detail: string) {
    super(detail);
    this.code = code;
  }
}

/** The line an error is shown as on stderr: `CODE: detail`, never a stack. */
export function errorLine(err: unknown): string {
  // The SDK's message is `status CODE: detail`; the status says nothing the code does not.
  if (err instanceof MpcApiError) return err.message.replace(/^\d+ /, '');
  if (err instanceof MpcError || err instanceof CliError) return `${err.code}: ${err.message}`;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return `ERROR: ${message}`;
  // Node's file errors already start with their code: `ENOENT: no such file or directory, …`.
  return message.startsWith(`${code}:`) ? message : `${code}: ${message}`;
}

// ————————————————————————————————————————— arguments —————————————————————————————————————————

/**
 * `parseArgs`, strict, with its complaints as usage errors. A value of a `numeric` flag may start
 * with a minus sign (`--bias -5`), which `parseArgs` alone takes for a flag.
 */
export function parseCommand<T extends ParseArgsOptionsConfig>(
  argv: string[],
  options: T,
  numeric: readonly string[] = [],
) {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (numeric.includes(a.slice(2)) && a.startsWith('--') && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((err as Error).message.split('\n')[0]!);
    throw err;
  }
}

/** The flags among `names` that are missing, as one usage error. */
export function need(values: Record<string, unknown>, names: readonly string[]): void {
  const missing = names.filter((n) => values[n] === undefined || values[n] === '');
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`);
}

/** The base URL (http or https) and the token from `--token` or ENCLAVE_TOKEN. */
export function endpoint(values: { url?: string; token?: string }, env: TCliIo['env']) {
  const token = values.token ?? env.ENCLAVE_TOKEN;
  if (!token) throw new UsageError('missing --token (or ENCLAVE_TOKEN)');
  let url: URL;
  try {
    url = new URL(values.url!);
  } catch {
    throw new UsageError(`--url ${values.url} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be http(s)');
  return { url: url.toString(), token };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string, flag: string): number {
  const n = Number(text.trim());
  if (!NUMBER.test(text.trim()) || !Number.isFinite(n))
    throw new UsageError(`${flag}: ${text} is not a number`);
  return n;
}

/** `0.1,2,-3`: finite numbers, comma-separated. */
export const parseNumbers = (text: string, flag: string) => text.split(',').map((t) => parseNumber(t, flag));

export type TMeasure = { statistic: 'mean' | 'sum'; column: string; bounds?: { min: number; max: number } };

/** `mean:wage_base` or, with clamping bounds, `sum:wage_base:0:50000`. */
export function parseMeasure(text: string, flag: string): TMeasure {
  const parts = text.split(':');
  const [statistic, column, min, max] = parts;
  if ((parts.length !== 2 && parts.length !== 4) || (statistic !== 'mean' && statistic !== 'sum') || !column)
    throw new UsageError(`${flag} ${text}: expected mean|sum:<column>[:<min>:<max>]`);
  if (parts.length === 2) return { statistic, column };
  const bounds = { min: parseNumber(min!, flag), max: parseNumber(max!, flag) };
  if (bounds.min >= bounds.max)
    throw new UsageError(`${flag} ${text}: the minimum must be below the maximum`);
  return { statistic, column, bounds };
}

// ————————————————————————————————————————— the API —————————————————————————————————————————

/**
 * The SDK's view of the platform: the token, no redirects (the token goes nowhere else), a base
 * URL's path kept as a prefix, and a platform out of reach as `UNREACHABLE`.
 */
export function connect(url: string, token: string): TMpcApi {
  const base = new URL(url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const reach = async (input: string | URL | Request, init?: RequestInit) => {
    const target = new URL(input instanceof Request ? input.url : input);
    target.pathname = `${prefix}${target.pathname}`;
    try {
      return await fetch(target, { ...init, redirect: 'error' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError('UNREACHABLE', `${base.origin}: ${cause?.code ?? cause?.message ?? String(err)}`);
    }
  };
  return { baseUrl: base.origin, token, fetch: reach as typeof fetch };
}

export type TComputation = {
  id: string;
  status: string;
  result: unknown;
  errorCode: string | null;
  errorMessage: string | null;
  epsilonCharged: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Long-polls `path` (a computation or a PSI session) until it is no longer queued or running. */
export async function settle<T extends { status: string }>(api: TMpcApi, path: string): Promise<T> {
  for (;;) {
    const asked = Date.now();
    const row = await call<T>(api, 'GET', `${path}?wait=10`);
    if (row.status !== 'queued' && row.status !== 'running') return row;
    // A platform that answers at once (no long poll) is asked again in a moment, not in a loop.
    if (Date.now() - asked < 500) await sleep(500);
  }
}

/** A computation that did not succeed: its code and message on stderr, what it cost on stdout; exit 1. */
export function reportFailure(io: TCliIo, c: TComputation): number {
  const { id, status, errorCode, errorMessage, epsilonCharged } = c;
  io.out(
    `${JSON.stringify({ computation: id, status, errorCode, errorMessage, epsilonCharged }, null, 2)}\n`,
  );
  io.err(`${errorCode ?? 'MPC_FAILED'}: ${errorMessage ?? `the computation is ${status}`}`);
  return 1;
}

/** A byte count as people read it on a progress line: `393 KB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${Math.floor(n / 1000)} KB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** An API path with the ids (the odd parts) escaped. */
export const apiPath = (...parts: string[]) =>
  parts.map((p, i) => (i % 2 ? encodeURIComponent(p) : p)).join('');

// ————————————————————————————————————————— keys —————————————————————————————————————————

/** The files of a key directory. */
export const KEY_FILES = {
  secretKey: 'he-secret-key.bin',
  relinKeys: 'he-relin-keys.bin',
  manifest: 'he-keys.json',
} as const;

type TKeyManifest = {
  paramSet: TParamSetId;
  files: { secretKey: string; relinKeys: string | null };
};

function paramSetOf(id: string | undefined): TParamSetId {
  if (id && Object.hasOwn(PARAM_SETS, id)) return id as TParamSetId;
  throw new UsageError(`--param-set must be one of ${Object.keys(PARAM_SETS).join(', ')}`);
}

/**
 * Writes a file only its owner reads. Without `replace` it must not exist yet; with it, the bytes go
 * to a new file first and then take the old one's place, so they are never in a file others can read.
 */
async function writePrivate(file: string, bytes: Uint8Array | string, replace: boolean) {
  if (!replace) return writeFile(file, bytes, { mode: 0o600, flag: 'wx' });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, bytes, { mode: 0o600, flag: 'wx' });
  await rename(temp, file);
}

/**
 * `enclave mpc keys`: a CKKS secret key for the parameter set, and with `--relin` the
 * relinearisation keys a polynomial model needs, in `--out` with `he-keys.json` naming them.
 * Existing key files stay unless `--force`.
 */
export async function mpcKeys(argv: string[], io: TCliIo): Promise<number> {
  const values = parseCommand(argv, {
    'param-set': { type: 'string' },
    relin: { type: 'boolean' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  });
  need(values, ['param-set', 'out']);
  const paramSet = paramSetOf(values['param-set']);
  const relin = values.relin === true;
  const force = values.force === true;
  if (relin && PARAM_SETS[paramSet].maxModelDegree === 1)
    throw new UsageError(
      `${paramSet} scores linear models, which need no relinearisation keys; --relin is for ckks-16384`,
    );
  const dir = resolve(values.out!);
  const present = Object.values(KEY_FILES).filter((f) => existsSync(join(dir, f)));
  if (present.length > 0 && !force)
    throw new CliError(
      'KEYS_EXIST',
      `${dir} already holds ${present.join(', ')}; pass --force to replace them`,
    );

  io.err(`generating ${paramSet} keys${relin ? ' with relinearisation keys' : ''}…`);
  const keys = await createHeKeys(paramSet, { relin });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writePrivate(join(dir, KEY_FILES.secretKey), keys.secretKey, force);
  if (keys.relinKeys) await writePrivate(join(dir, KEY_FILES.relinKeys), keys.relinKeys, force);
  // Relinearisation keys of the secret key just replaced would only be refused later.
  else await rm(join(dir, KEY_FILES.relinKeys), { force: true });
  const manifest: TKeyManifest = {
    paramSet,
    files: { secretKey: KEY_FILES.secretKey, relinKeys: keys.relinKeys ? KEY_FILES.relinKeys : null },
  };
  await writePrivate(join(dir, KEY_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`, force);
  io.err(
    `secret key written to ${join(dir, KEY_FILES.secretKey)} (mode 0600): keep it; it never leaves here`,
  );
  io.out(`${JSON.stringify({ dir, ...manifest }, null, 2)}\n`);
  return 0;
}

/** The keys `enclave mpc keys` wrote to `dir`. */
export async function loadHeKeys(dir: string): Promise<THeKeys> {
  const read = async (file: string) => {
    try {
      return await readFile(join(dir, file));
    } catch (err) {
      throw new CliError(
        'KEYS_UNREADABLE',
        `${join(dir, file)}: ${(err as { code?: string }).code ?? (err as Error).message}; make keys with enclave mpc keys`,
      );
    }
  };
  let manifest: TKeyManifest;
  try {
    manifest = JSON.parse((await read(KEY_FILES.manifest)).toString('utf8')) as TKeyManifest;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError('KEYS_UNREADABLE', `${join(dir, KEY_FILES.manifest)} is not JSON`);
  }
  const { paramSet, files } = manifest ?? {};
  if (!Object.hasOwn(PARAM_SETS, String(paramSet)) || typeof files?.secretKey !== 'string')
    throw new CliError(
      'KEYS_UNREADABLE',
      `${join(dir, KEY_FILES.manifest)} names no parameter set and secret key`,
    );
  return {
    paramSet,
    secretKey: new Uint8Array(await read(files.secretKey)),
    relinKeys: typeof files.relinKeys === 'string' ? new Uint8Array(await read(files.relinKeys)) : null,
  };
}

// ————————————————————————————————————————— score —————————————————————————————————————————

export type TScoreInput = {
  url: string;
  token: string;
  contract: string;
  dataset: string;
  groupBy: string;
  features: TMeasure[];
  weights: number[];
  bias: number;
  polynomial: number[] | null;
  keys: string;
};

/** The arguments of `enclave mpc score`, checked as far as they can be without the keys. */
export function parseScoreArgs(argv: string[], env: TCliIo['env']): TScoreInput {
  const values = parseCommand(
    argv,
    {
      url: { type: 'string' },
      token: { type: 'string' },
      contract: { type: 'string' },
      dataset: { type: 'string' },
      'group-by': { type: 'string' },
      feature: { type: 'string', multiple: true },
      weights: { type: 'string' },
      bias: { type: 'string' },
      polynomial: { type: 'string' },
      keys: { type: 'string' },
    },
    ['weights', 'bias', 'polynomial'],
  );
  need(values, ['url', 'contract', 'dataset', 'group-by', 'feature', 'weights', 'bias', 'keys']);
  const features = values.feature!.map((f) => parseMeasure(f, '--feature'));
  const weights = parseNumbers(values.weights!, '--weights');
  if (weights.length !== features.length)
    throw new UsageError(`${features.length} --feature need as many --weights, not ${weights.length}`);
  const polynomial = values.polynomial === undefined ? null : parseNumbers(values.polynomial, '--polynomial');
  if (polynomial && (polynomial.length < 2 || polynomial.length > 4))
    throw new UsageError('--polynomial takes 2 to 4 coefficients c0,c1[,c2[,c3]] (degree 1 to 3)');
  return {
    ...endpoint(values, env),
    contract: values.contract!,
    dataset: values.dataset!,
    groupBy: values['group-by']!,
    features,
    weights,
    bias: parseNumber(values.bias!, '--bias'),
    polynomial,
    keys: values.keys!,
  };
}

/** Whether the keys can evaluate the model: the polynomial's degree, and its relinearisation keys. */
function checkKeysFit(keys: THeKeys, polynomial: number[] | null): boolean {
  const degree = polynomial ? polynomial.length - 1 : 1;
  const set = PARAM_SETS[keys.paramSet];
  if (degree > set.maxModelDegree)
    throw new MpcError(
      'MPC_INPUT_INVALID',
      `${set.id} evaluates polynomials of degree at most ${set.maxModelDegree}; make ckks-16384 keys with --relin`,
    );
  if (degree > 1 && !keys.relinKeys)
    throw new MpcError(
      'MPC_KEYS_MISSING',
      `a degree-${degree} polynomial needs relinearisation keys; make keys with enclave mpc keys --relin`,
    );
  return degree > 1;
}

type THeResult = { groups: { label: string | null; count: number }[] };

/**
 * `enclave mpc score`: encrypts the model with the operator's secret key, has the platform evaluate
 * it on each group's protected aggregates, and decrypts the scores. Only ciphertexts leave here.
 */
export async function mpcScore(argv: string[], io: TCliIo): Promise<number> {
  const input = parseScoreArgs(argv, io.env);
  const keys = await loadHeKeys(input.keys);
  const needsRelin = checkKeysFit(keys, input.polynomial);
  const api = connect(input.url, input.token);

  io.err('encrypting model…');
  const model = await encryptModel(keys, input.weights, input.bias);
  const session = await call<{ id: string }>(api, 'POST', '/v1/mpc/he/sessions', {
    contractId: input.contract,
    paramSet: keys.paramSet,
  });
  io.err(`uploading ${input.weights.length + 1} ciphertexts (${formatBytes(model.length)})…`);
  const uploaded = await call<{ id: string }>(
    api,
    'POST',
    apiPath('/v1/mpc/he/sessions/', session.id, '/models'),
    model,
  );
  if (needsRelin) {
    io.err(`uploading relinearisation keys (${formatBytes(keys.relinKeys!.length)})…`);
    await call(api, 'PUT', apiPath('/v1/mpc/he/sessions/', session.id, '/relin-keys'), keys.relinKeys!);
  }
  const queued = await call<TComputation>(api, 'POST', '/v1/mpc/he/aggregate', {
    sessionId: session.id,
    modelId: uploaded.id,
    dataset: input.dataset,
    groupBy: input.groupBy,
    features: input.features,
    ...(input.polynomial ? { polynomial: input.polynomial } : {}),
  });
  io.err(`waiting for computation ${queued.id}…`);
  const done = await settle<TComputation>(api, apiPath('/v1/mpc/computations/', queued.id));
  if (done.status !== 'succeeded') return reportFailure(io, done);

  const output = await call<Uint8Array>(
    api,
    'GET',
    apiPath('/v1/mpc/computations/', done.id, '/output'),
    undefined,
    'bytes',
  );
  io.err('decrypting…');
  const { groups } = done.result as THeResult;
  const scores = await decryptScores(keys, output, groups.length);
  const out = {
    computation: done.id,
    groups: groups.map((g, i) => ({ label: g.label, count: g.count, score: scores[i]! })),
    epsilonCharged: done.epsilonCharged,
  };
  io.out(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
