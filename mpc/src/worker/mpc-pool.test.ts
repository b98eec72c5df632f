import { afterEach, describe, expect, it } from 'vitest';
import { createHeKeys, encryptModel, splitResult } from '../client/he.ts';
import { hashIdentifiers } from '../psi/index.ts';
import { createMpcPool, type MpcPool } from './mpc-pool.ts';

let pool: MpcPool | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('createMpcPool', () => {
  it('runs SEAL and curve work in worker processes, both at once', async () => {
    pool = createMpcPool({ size: 2 });
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`);
    const [a, b] = await Promise.all([
      pool.run('psi.hash', { ids: ids.slice(0, 25) }),
      pool.run('psi.hash', { ids: ids.slice(25) }),
    ]);
    expect(Buffer.concat([a, b]).equals(Buffer.from(hashIdentifiers(ids)))).toBe(true);
    expect(pool.stats().started).toBe(2);
    const keys = await createHeKeys('ckks-8192');
    const out = await pool.run('he.evaluate', {
      paramSet: 'ckks-8192',
      model: splitResult(await encryptModel(keys, [2], 1)),
      features: [[3]],
    });
    expect(out.ciphertexts).toHaveLength(1);
  });

  it('passes a refusal on with its code, and the worker goes on', async () => {
    pool = createMpcPool({ size: 1 });
    await expect(
      pool.run('psi.blind', { secret: new Uint8Array(32).fill(7), points: new Uint8Array(32) }),
    ).rejects.toMatchObject({
      code: 'MPC_POINT_INVALID',
    });
    await expect(pool.run('psi.hash', { ids: ['x'] })).resolves.toHaveLength(32);
    expect(pool.stats().started).toBe(1);
  });

  it('recycles a worker whose memory passed the bound, after its answer', async () => {
    pool = createMpcPool({ size: 1, rssLimitBytes: 1 });
    await expect(pool.run('psi.hash', { ids: ['a'] })).resolves.toHaveLength(32);
    await expect(pool.run('psi.hash', { ids: ['b'] })).resolves.toHaveLength(32);
    expect(pool.stats().retired).toBe(2);
    expect(pool.stats().started).toBeGreaterThanOrEqual(2);
  });

  it('fails only the task of a worker that overran, and replaces the worker', async () => {
    pool = createMpcPool({ size: 1, taskTimeoutMs: 1_000 });
    const ids = Array.from({ length: 20_000 }, (_, i) => `slow-${i}`);
    await expect(pool.run('psi.hash', { ids })).rejects.toMatchObject({ code: 'MPC_WORKER_FAILED' });
    await expect(pool.run('psi.hash', { ids: ['after'] })).resolves.toHaveLength(32);
    expect(pool.stats().started).toBe(2);
  });
});
