import {
  answerPsi,
  createHeKeys,
  decryptScores,
  encryptModel,
  MpcError,
  PARAM_SETS,
  parseIdentifiers,
  startPsi,
  type THeKeys,
  type TParamSetId,
} from '@enclave/mpc/client';
import { ApiError, api, apiFetch } from '../../../lib/api.ts';
import { readKeys, saveKeys, type TStoredKeys } from './key-store.ts';
import type { THeInput, THeOutput, TProgress, TPsiInput, TPsiOutput } from './types.ts';

/**
 * The operator's side of a joint computation, in the browser: the `@enclave/mpc` SDK (SEAL as
 * WebAssembly, X25519 through WebCrypto) with the portal's session. This module is its own chunk,
 * loaded only when a computation starts. Keys and identifiers stay here; only ciphertexts,
 * relinearisation keys and blinded points are sent.
 */

type TComputation = {
  id: string;
  status: string;
  result: Record<string, unknown> | null;
  errorCode: string | null;
  errorMessage: string | null;
  epsilonCharged: number;
};
type TPsiSession = { id: string; status: string; errorCode: string | null; errorMessage: string | null };

const MAX_PSI_IDENTIFIERS = 1_000_000;
const path = (...parts: string[]) => parts.map((p, i) => (i % 2 ? encodeURIComponent(p) : p)).join('');

/** A refusal of the SDK (bad input) as the portal shows API errors: by its stable code. */
const asApiError = (err: unknown) =>
  err instanceof MpcError ? new ApiError(422, err.code, err.message, null) : err;

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw asApiError(err);
  }
}

async function sendBytes<T>(method: string, url: string, bytes: Uint8Array): Promise<T> {
  const res = await apiFetch(method, url, {
    body: bytes as Uint8Array<ArrayBuffer>,
    headers: { 'content-type': 'application/octet-stream' },
  });
  return (await res.json()) as T;
}

const getBytes = async (url: string) =>
  new Uint8Array(
    await (await apiFetch('GET', url, { headers: { accept: 'application/octet-stream' } })).arrayBuffer(),
  );

/** Long-polls a computation or a session until it is no longer queued or running. */
async function settle<T extends { status: string }>(url: string): Promise<T> {
  for (;;) {
    const asked = Date.now();
    const row = await api<T>('GET', `${url}?wait=10`);
    if (row.status !== 'queued' && row.status !== 'running') return row;
    if (Date.now() - asked < 500) await new Promise((r) => setTimeout(r, 500));
  }
}

const failed = (row: { status: string; errorCode: string | null; errorMessage: string | null }) =>
  new ApiError(422, row.errorCode ?? 'MPC_FAILED', row.errorMessage ?? row.status, null);

/**
 * The keys of `paramSet` this browser holds for `userId`, or new ones (stored before use): with
 * relinearisation keys when `relin` (a polynomial model). Reports whether they were reused.
 */
async function keysFor(userId: string, paramSet: TParamSetId, relin: boolean) {
  const stored = await readKeys(userId, paramSet);
  if (stored && (!relin || stored.relinKeys)) return { keys: stored as THeKeys, reused: true };
  const made = await createHeKeys(paramSet, { relin });
  const keys: TStoredKeys = { ...made, createdAt: new Date().toISOString() };
  await saveKeys(userId, keys);
  return { keys: keys as THeKeys, reused: false };
}

/** Lets the page paint a stage before a long synchronous step (SEAL runs on this thread). */
const paint = () => new Promise((r) => setTimeout(r, 0));

/**
 * Scores the operator's model on a dataset's protected per-group aggregates: keys (made once and
 * kept in this browser), the model encrypted with the secret key, uploaded, evaluated by the
 * platform under encryption, and the scores decrypted here.
 */
export function runHeScore(input: THeInput, progress: TProgress): Promise<THeOutput> {
  return guarded(async () => {
    const degree = input.polynomial ? input.polynomial.length - 1 : 1;
    const paramSet: TParamSetId =
      degree > PARAM_SETS['ckks-8192'].maxModelDegree ? 'ckks-16384' : 'ckks-8192';
    const relin = degree > 1;

    progress('keys', 'active');
    await paint();
    const { keys, reused } = await keysFor(input.userId, paramSet, relin);
    progress('keys', 'done', { reused, paramSet });

    progress('encrypt', 'active');
    await paint();
    const model = await encryptModel(
      keys,
      input.features.map((f) => f.weight),
      input.bias,
    );
    progress('encrypt', 'done', { total: input.features.length + 1 });

    const sent = model.length + (relin ? keys.relinKeys!.length : 0);
    progress('upload', 'active', { bytes: sent });
    const session = await api<{ id: string }>('POST', '/v1/mpc/he/sessions', {
      contractId: input.contractId,
      paramSet,
    });
    const uploaded = await sendBytes<{ id: string }>(
      'POST',
      path('/v1/mpc/he/sessions/', session.id, '/models'),
      model,
    );
    if (relin)
      await sendBytes('PUT', path('/v1/mpc/he/sessions/', session.id, '/relin-keys'), keys.relinKeys!);
    progress('upload', 'done', { bytes: sent });

    progress('compute', 'active');
    const queued = await api<TComputation>('POST', '/v1/mpc/he/aggregate', {
      sessionId: session.id,
      modelId: uploaded.id,
      dataset: input.dataset,
      groupBy: input.groupBy,
      features: input.features.map(({ weight: _, ...measure }) => measure),
      ...(input.polynomial ? { polynomial: input.polynomial } : {}),
    });
    const done = await settle<TComputation>(path('/v1/mpc/computations/', queued.id));
    if (done.status !== 'succeeded') throw failed(done);
    const output = await getBytes(path('/v1/mpc/computations/', done.id, '/output'));
    progress('compute', 'done', { bytes: output.length });

    progress('decrypt', 'active');
    await paint();
    const result = done.result as THeOutput['result'];
    const scores = await decryptScores(keys, output, result.groups.length);
    progress('decrypt', 'done');
    return {
      computationId: done.id,
      paramSet,
      result,
      scores,
      epsilonCharged: done.epsilonCharged,
      bytesSent: sent,
      bytesReceived: output.length,
    };
  });
}

/**
 * A private join of the operator's identifiers with a dataset's: the platform blinds its side while
 * the identifiers are hashed and blinded here; the platform's points are blinded in turn; the
 * platform answers with protected aggregates over the intersection. The identifiers and the
 * blinding secret never leave this page.
 */
export function runPsi(input: TPsiInput, progress: TProgress): Promise<TPsiOutput> {
  return guarded(async () => {
    const { ids, read, duplicates } = parseIdentifiers(input.identifiers, {
      column: input.idsColumn,
      max: MAX_PSI_IDENTIFIERS,
    });
    progress('prepare', 'active');
    const opened = await api<TPsiSession>('POST', '/v1/mpc/psi/sessions', {
      contractId: input.contractId,
      dataset: input.dataset,
      identifierColumn: input.identifierColumn,
      ...(input.groupBy ? { groupBy: input.groupBy } : {}),
      measures: input.measures,
    });
    const sessionUrl = path('/v1/mpc/psi/sessions/', opened.id);
    // The platform blinds its side while this page hashes and blinds the identifiers.
    const ready = settle<TPsiSession>(sessionUrl);
    ready.catch(() => {});

    progress('hash', 'active', { done: 0, total: ids.length });
    await paint();
    const op = await startPsi(ids, (stage, done, total) => {
      if (stage === 'hash') progress('hash', done >= total ? 'done' : 'active', { done, total });
      else progress('blind', done >= total ? 'done' : 'active', { done, total });
    });
    progress('hash', 'done', { done: ids.length, total: ids.length });
    progress('blind', 'done', { done: ids.length, total: ids.length });

    const session = await ready;
    if (session.status !== 'ready') throw failed(session);
    const points = await getBytes(`${sessionUrl}/points`);
    progress('prepare', 'done', { total: points.length / 32, bytes: points.length });

    const n = points.length / 32;
    progress('answer', 'active', { done: 0, total: n });
    const body = await answerPsi(op, points, (_stage, done, total) =>
      progress('answer', 'active', { done, total }),
    );
    progress('answer', 'done', { done: n, total: n });

    progress('send', 'active', { bytes: body.length });
    const queued = await sendBytes<TComputation>('POST', `${sessionUrl}/join`, body);
    progress('send', 'done', { bytes: body.length });

    progress('join', 'active');
    const done = await settle<TComputation>(path('/v1/mpc/computations/', queued.id));
    if (done.status !== 'succeeded') throw failed(done);
    progress('join', 'done');
    return {
      computationId: done.id,
      result: done.result as TPsiOutput['result'],
      epsilonCharged: done.epsilonCharged,
      read,
      duplicates,
      distinct: ids.length,
      bytesSent: body.length,
      bytesReceived: points.length,
    };
  });
}
