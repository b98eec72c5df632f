import { MpcError } from '../errors.ts';
import { evaluateModel } from '../he/evaluate-model.ts';
import { blindPoints, hashIdentifiers, importBlindingSecret, matchPoints } from '../psi/index.ts';
import type { TMpcOps, TWorkerRequest, TWorkerResponse } from './ops.ts';

/**
 * A joint-computation worker process: SEAL and the curve arithmetic run here, never on the API's
 * event loop. After each task it reports its resident memory; past the bound it retires, since
 * SEAL's WebAssembly heap only grows.
 */
const rssLimit = Number(process.env.ENCLAVE_MPC_RSS_LIMIT_BYTES ?? 1024 ** 3);

const ops: { [K in keyof TMpcOps]: (input: TMpcOps[K]['input']) => Promise<TMpcOps[K]['output']> } = {
  'he.evaluate': (input) => evaluateModel(input),
  'psi.hash': async ({ ids }) => hashIdentifiers(ids),
  'psi.match': async ({ points, among }) => matchPoints(points, among),
  'psi.blind': async ({ secret, points }) => blindPoints(await importBlindingSecret(secret), points),
};

const send = (m: TWorkerResponse) => process.send!(m);

process.on('message', async (m: TWorkerRequest) => {
  let reply: TWorkerResponse;
  try {
    const run = ops[m.op] as (input: unknown) => Promise<unknown>;
    reply = { id: m.id, ok: true, value: await run(m.input), rss: process.memoryUsage.rss() };
  } catch (err) {
    const known = err instanceof MpcError;
    reply = {
      id: m.id,
      ok: false,
      code: known ? err.code : 'MPC_WORKER_FAILED',
      message: known ? err.message : 'the computation failed in its worker',
      rss: process.memoryUsage.rss(),
    };
    if (!known) console.error('mpc worker:', err);
  }
  send(reply);
  if (reply.rss > rssLimit) process.exit(0);
});
send({ id: -1, ok: true, value: 'ready', rss: process.memoryUsage.rss() });
