import { MAX_MODEL_FEATURES, PARAM_SETS, type TParamSetId } from '@enclave/mpc';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { datasetIdOf } from '../catalogue/dataset-ref.ts';
import { MPC_STATUSES } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { actorOf, defineRoute } from '../http/access.ts';
import type { App, AppEnv } from '../http/env.ts';
import {
  isoOrNull,
  jsonBody,
  jsonResponse,
  MAX_WAIT_S,
  problems,
  registerRawRoute,
  ZIdParam,
  ZWaitQuery,
} from '../http/openapi.ts';
import { toAppError } from '../http/problem.ts';
import { ZHeScoreSpec, ZPsiSpec } from '../mpc/mpc-spec.ts';
import { openHeSession, openPsiSession, uploadModel, uploadRelinKeys } from '../mpc/open-mpc-session.ts';
import { readComputation, readPsiSession } from '../mpc/read-mpc.ts';
import { MAX_PSI_IDENTIFIERS, submitHeScore, submitPsiJoin } from '../mpc/submit-computation.ts';

const largest = (kind: 'ciphertext' | 'relinKeys') =>
  Math.max(...Object.values(PARAM_SETS).flatMap((s) => s.sizes[kind]));
const MODEL_BYTES = (MAX_MODEL_FEATURES + 1) * largest('ciphertext');
const KEYS_BYTES = largest('relinKeys');
const JOIN_BYTES = 32 * (MAX_PSI_IDENTIFIERS + 2_000_000);

const ZParamSet = z
  .object({
    id: z.string(),
    scheme: z.literal('ckks'),
    polyModulusDegree: z.number().int(),
    coeffModulusBits: z.array(z.number().int()),
    scaleBits: z.number().int(),
    securityBits: z.literal(128),
    slots: z.number().int(),
    maxModelDegree: z.number().int(),
    sizes: z.object({ ciphertext: z.array(z.number().int()), relinKeys: z.array(z.number().int()) }).openapi({
      description: 'Exact byte lengths accepted: uncompressed SEAL serialisations only',
    }),
  })
  .openapi('MpcParamSet');

const ZHeSession = z
  .object({
    id: z.string(),
    contractId: z.string(),
    paramSet: z.string(),
    relinKeysSha256: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('MpcHeSession');

const ZPsiSession = z
  .object({
    id: z.string(),
    contractId: z.string(),
    status: z.enum(MPC_STATUSES),
    spec: z.unknown(),
    points: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Blinded platform points to fetch, once ready' }),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('MpcPsiSession');

const ZComputation = z
  .object({
    id: z.string(),
    sessionId: z.string(),
    kind: z.enum(['he.score', 'psi.join']),
    status: z.enum(MPC_STATUSES),
    result: z.unknown().openapi({
      description:
        'he.score: groups (label and protected count) in slot order, slots per ciphertext, the disclosure report; psi.join: the protected table over the intersection',
    }),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    epsilonCharged: z.number(),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('MpcComputation');

type TSessionRow = Awaited<ReturnType<typeof readPsiSession>>;
type TComputationRow = Awaited<ReturnType<typeof readComputation>>;

const psiOut = (s: TSessionRow) => ({
  id: s.id,
  contractId: s.contractId,
  status: s.status,
  spec: s.spec,
  points: s.points ? s.points.length / 32 : null,
  errorCode: s.errorCode,
  errorMessage: s.errorMessage,
  createdAt: s.createdAt.toISOString(),
});

const computationOut = (r: TComputationRow) => ({
  id: r.id,
  sessionId: r.sessionId,
  kind: r.kind,
  status: r.status,
  result: r.result,
  errorCode: r.errorCode,
  errorMessage: r.errorMessage,
  epsilonCharged: r.epsilonCharged,
  createdAt: r.createdAt.toISOString(),
  finishedAt: isoOrNull(r.finishedAt),
});

const binary = (description: string) => ({
  required: true,
  content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary', description }) } },
});
const binaryResponse = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
});

/** The raw body of an octet-stream route, after its content type is checked. */
async function octets(c: Context<AppEnv>): Promise<Uint8Array> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/octet-stream')
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send application/octet-stream');
  return new Uint8Array(await c.req.arrayBuffer());
}

function idParam(c: Context<AppEnv>) {
  const id = ZIdParam.safeParse({ id: c.req.param('id') });
  if (!id.success) throw toAppError(id.error, 'path');
  return id.data.id;
}

const octetReply = (bytes: Uint8Array<ArrayBuffer>) =>
  new Response(bytes, {
    status: 200,
    headers: { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' },
  });

export function registerMpcRoutes(app: App, deps: Deps) {
  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/mpc/params',
      tags: ['mpc'],
      summary: 'Supported CKKS parameter sets',
      description:
        'Each set inside SEAL’s 128-bit table, with the exact sizes of the objects a client may send. `ckks-8192` scores linear models; `ckks-16384` a polynomial of degree ≤ 3 of the linear score.',
      responses: {
        200: jsonResponse(z.object({ items: z.array(ZParamSet) }), 'The parameter sets'),
        ...problems,
      },
    }),
    (c) =>
      c.json(
        {
          items: Object.values(PARAM_SETS).map((s) => ({
            ...s,
            coeffModulusBits: [...s.coeffModulusBits],
            sizes: { ciphertext: [...s.sizes.ciphertext], relinKeys: [...s.sizes.relinKeys] },
          })),
        },
        200,
      ),
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/mpc/he/sessions',
      tags: ['mpc'],
      summary: 'Open an HE session under a contract that licenses `he` (operator)',
      description:
        'Names the parameter set the operator’s keys are for. A linear model needs no keys at all; a polynomial model needs the session’s relinearisation keys (`PUT …/relin-keys`).',
      request: {
        body: jsonBody(
          z.strictObject({
            contractId: z.string().min(1).max(64),
            paramSet: z.enum(Object.keys(PARAM_SETS) as [TParamSetId, ...TParamSetId[]]),
          }),
        ),
      },
      responses: { 201: jsonResponse(ZHeSession, 'The session'), ...problems },
    }),
    async (c) => {
      const s = await openHeSession(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        c.req.valid('json'),
      );
      return c.json(
        {
          id: s.id,
          contractId: s.contractId,
          paramSet: s.paramSet!,
          relinKeysSha256: null,
          createdAt: s.createdAt.toISOString(),
        },
        201,
      );
    },
  );

  registerRawRoute(
    app,
    defineRoute(
      ['operator'],
      {
        method: 'put',
        path: '/v1/mpc/he/sessions/{id}/relin-keys',
        tags: ['mpc'],
        summary: 'Upload relinearisation keys for polynomial models (operator)',
        description:
          'Seeded, uncompressed SEAL relinearisation keys of the session’s parameter set, exactly the size `GET /v1/mpc/params` states; compressed serialisations are refused.',
        request: { params: ZIdParam, body: binary('SEAL RelinKeys') },
        responses: {
          200: jsonResponse(z.object({ sessionId: z.string(), relinKeysSha256: z.string() }), 'Stored'),
          ...problems,
        },
      },
      { maxBodyBytes: KEYS_BYTES },
    ),
    async (c) => {
      const out = await uploadRelinKeys(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        idParam(c),
        await octets(c),
      );
      return c.json(out, 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute(
      ['operator'],
      {
        method: 'post',
        path: '/v1/mpc/he/sessions/{id}/models',
        tags: ['mpc'],
        summary: 'Upload an encrypted model (operator)',
        description: `Concatenated fresh CKKS ciphertexts of the session’s parameter set: one per feature (at most ${MAX_MODEL_FEATURES}), then the bias. Each is checked before SEAL sees it: size, header, no compression.`,
        request: { params: ZIdParam, body: binary('SEAL ciphertexts, back to back') },
        responses: {
          201: jsonResponse(
            z.object({
              id: z.string(),
              sessionId: z.string(),
              ciphertexts: z.number().int(),
              sha256: z.string(),
            }),
            'Stored',
          ),
          ...problems,
        },
      },
      { maxBodyBytes: MODEL_BYTES },
    ),
    async (c) => {
      const out = await uploadModel(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        idParam(c),
        await octets(c),
      );
      return c.json(out, 201);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/mpc/he/aggregate',
      tags: ['mpc'],
      summary: 'Score an encrypted model on protected per-group aggregates (operator)',
      description:
        'Queues a computation (202): per group of `groupBy`, the protected count and each feature’s protected mean or sum, released as a sandbox release is (suppression, dominance, noise charged to the budget); groups suppressed are left out; the model is evaluated on what is left. Fetch the result with `GET /v1/mpc/computations/{id}` and its ciphertexts with `…/output`.',
      request: { body: jsonBody(ZHeScoreSpec) },
      responses: { 202: jsonResponse(ZComputation, 'Queued'), ...problems },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const dataset = await datasetIdOf(deps.db, body.dataset);
      const row = await submitHeScore(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        { ...body, dataset },
      );
      return c.json(computationOut(row), 202);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'post',
      path: '/v1/mpc/psi/sessions',
      tags: ['mpc'],
      summary: 'Open a private join under a contract that licenses `psi` (operator)',
      description:
        'Queues the platform’s side (202): its identifiers hashed to Curve25519, blinded with a fresh secret, padded and shuffled. Takes one of the day’s runs. When the session is `ready`, fetch the points, then `POST …/join`.',
      request: { body: jsonBody(ZPsiSpec.extend({ contractId: z.string().min(1).max(64) })) },
      responses: { 202: jsonResponse(ZPsiSession, 'Queued'), ...problems },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const dataset = await datasetIdOf(deps.db, body.dataset);
      const s = await openPsiSession(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        { ...body, dataset },
      );
      return c.json(psiOut(s), 202);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'get',
      path: '/v1/mpc/psi/sessions/{id}',
      tags: ['mpc'],
      summary: 'A private join’s session (operator)',
      description: 'Its status; `wait=N` is a long poll until it is no longer queued or running.',
      request: { params: ZIdParam, query: ZWaitQuery },
      responses: { 200: jsonResponse(ZPsiSession, 'The session'), ...problems },
    }),
    async (c) => {
      const s = await readPsiSession(
        deps,
        actorOf(c),
        c.req.valid('param').id,
        c.req.valid('query').wait ?? 0,
      );
      return c.json(psiOut(s), 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute(['operator'], {
      method: 'get',
      path: '/v1/mpc/psi/sessions/{id}/points',
      tags: ['mpc'],
      summary: 'The platform’s blinded points (operator)',
      description: '32-byte X25519 u-coordinates, back to back, in the order the join must return them.',
      request: { params: ZIdParam },
      responses: { 200: binaryResponse('The points'), ...problems },
    }),
    async (c) => {
      const s = await readPsiSession(deps, actorOf(c), idParam(c));
      if (s.status !== 'ready' || !s.points)
        throw new AppError('INVALID_STATE', `the session is ${s.status}`);
      return octetReply(new Uint8Array(s.points));
    },
  );

  registerRawRoute(
    app,
    defineRoute(
      ['operator'],
      {
        method: 'post',
        path: '/v1/mpc/psi/sessions/{id}/join',
        tags: ['mpc'],
        summary: 'Finish a private join (operator)',
        description: `Queues the join (202). The body is 32-byte points: the operator’s blinded identifiers (1 to ${MAX_PSI_IDENTIFIERS}), then every platform point blinded with the operator’s secret, in the order received. Once per session.`,
        request: { params: ZIdParam, body: binary('X25519 points') },
        responses: { 202: jsonResponse(ZComputation, 'Queued'), ...problems },
      },
      { maxBodyBytes: JOIN_BYTES },
    ),
    async (c) => {
      const row = await submitPsiJoin(
        deps,
        { actor: actorOf(c), requestId: c.get('requestId') },
        idParam(c),
        await octets(c),
      );
      return c.json(computationOut(row), 202);
    },
  );

  app.openapi(
    defineRoute(['operator'], {
      method: 'get',
      path: '/v1/mpc/computations/{id}',
      tags: ['mpc'],
      summary: 'A joint computation: status and protected result (operator)',
      description: `With \`wait=N\` (at most ${MAX_WAIT_S}), a long poll until it is no longer queued or running.`,
      request: { params: ZIdParam, query: ZWaitQuery },
      responses: { 200: jsonResponse(ZComputation, 'The computation'), ...problems },
    }),
    async (c) => {
      const r = await readComputation(
        deps,
        actorOf(c),
        c.req.valid('param').id,
        c.req.valid('query').wait ?? 0,
      );
      return c.json(computationOut(r), 200);
    },
  );

  registerRawRoute(
    app,
    defineRoute(['operator'], {
      method: 'get',
      path: '/v1/mpc/computations/{id}/output',
      tags: ['mpc'],
      summary: 'The result ciphertexts of a scored model (operator)',
      description:
        'Uncompressed SEAL ciphertexts back to back; scores of the groups in the order the computation lists them.',
      request: { params: ZIdParam },
      responses: { 200: binaryResponse('Ciphertexts'), ...problems },
    }),
    async (c) => {
      const r = await readComputation(deps, actorOf(c), idParam(c));
      if (r.status !== 'succeeded' || !r.output)
        throw new AppError('INVALID_STATE', `the computation is ${r.status} and has no output`);
      return octetReply(new Uint8Array(r.output));
    },
  );
}
