import { apiCaller, freshServerDatabase, percentile, startApi, time } from './lib.ts';

const ROWS = Number(process.env.BENCH_SHARING_ROWS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_SHARING_ROUNDS ?? 60);
const TOKEN = `enc_${'s'.repeat(43)}`;
const SYSTEM = encodeURIComponent('环境监测平台');

function* csvRows() {
  yield 'city_code,day,aqi,pm25\n';
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    const day = new Date(Date.UTC(2022, 0, 1) + (i % 1000) * 86_400_000).toISOString().slice(0, 10);
    buf += `${110100 + (i % 300) * 100},${day},${(i * 7919) % 500},${((i * 104729) % 3000) / 10}\n`;
    if (buf.length > 1 << 16) {
      yield buf;
      buf = '';
    }
  }
  yield buf;
}

/**
 * The same reads of one dataset through the open-data routes and through a sharing grant, by the
 * same department's token, interleaved round by round: a page of filtered rows, a grouped
 * aggregate and the whole download. The grant's cost is its checks, its daily-call counter and one
 * audit entry per call.
 */
export async function benchSharing() {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = await freshServerDatabase(url);
  const api = await startApi({
    DATABASE_URL: db.url,
    ENCLAVE_BOOTSTRAP_TOKEN: TOKEN,
    RATE_LIMIT_TOKEN: '1000000',
  });
  try {
    const request = apiCaller(api.url);
    const userIn = async (name: string) => {
      const org = await request('POST', '/v1/orgs', TOKEN, { name });
      const user = await request('POST', '/v1/users', TOKEN, { orgId: org.id, name, role: 'provider' });
      return (await request('POST', `/v1/users/${user.id}/tokens`, TOKEN, { label: 'bench' }))
        .token as string;
    };
    const holder = await userIn('bench-holder');
    const requester = await userIn('bench-requester');
    const ds = await request('POST', '/v1/datasets', holder, {
      slug: 'bench-shared-air',
      title: '城市空气质量',
      description: 'bench',
      theme: 'environment',
      updateFrequency: 'daily',
      license: 'CC-BY-4.0',
      classification: 1,
      openness: 'open',
      columns: [
        { name: 'city_code', type: 'string', sensitivity: 'public', nullable: false },
        { name: 'day', type: 'date', sensitivity: 'public', nullable: false },
        { name: 'aqi', type: 'integer', sensitivity: 'public', nullable: false, min: 0, max: 500 },
        { name: 'pm25', type: 'number', sensitivity: 'public', nullable: true, min: 0, max: 1000 },
      ],
    });
    const rows = csvRows();
    const up = await fetch(`${api.url}/v1/datasets/${ds.id}/data`, {
      method: 'POST',
      headers: { authorization: `Bearer ${holder}`, 'content-type': 'text/csv' },
      body: new ReadableStream({
        pull(c) {
          const n = rows.next();
          if (n.done) c.close();
          else c.enqueue(new TextEncoder().encode(n.value));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    if (up.status !== 201) throw new Error(`upload ${up.status} ${await up.text()}`);
    await request('POST', `/v1/datasets/${ds.id}/submit`, holder);
    await request('POST', `/v1/datasets/${ds.id}/review`, TOKEN, { decision: 'approve' });
    const grant = await request('POST', '/v1/sharing/requests', requester, {
      dataset: ds.id,
      columns: ['city_code', 'day', 'aqi', 'pm25'],
      duty: '履行环境监测职责',
      purpose: 'bench',
      systems: ['环境监测平台'],
      term: {
        notBefore: new Date().toISOString(),
        notAfter: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    if (grant.status !== 'granted') throw new Error(`grant: ${JSON.stringify(grant)}`);

    const get = (path: string, system: boolean) =>
      fetch(`${api.url}${path}`, {
        headers: { authorization: `Bearer ${requester}`, ...(system ? { 'x-enclave-system': SYSTEM } : {}) },
      });
    const post = (path: string, body: unknown, system: boolean) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${requester}`,
          'content-type': 'application/json',
          ...(system ? { 'x-enclave-system': SYSTEM } : {}),
        },
        body: JSON.stringify(body),
      });
    const drained = async (res: Promise<Response>) => {
      const r = await res;
      if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
      return (await r.arrayBuffer()).byteLength;
    };
    const query = {
      where: [{ column: 'aqi', op: 'gte', value: 100 }],
      groupBy: ['city_code'],
      aggregates: [
        { fn: 'avg', column: 'pm25', as: 'pm25' },
        { fn: 'count', as: 'n' },
      ],
      limit: 1000,
    };
    const kinds = {
      rows: (base: string, g: boolean) =>
        drained(get(`${base}/rows?filter=aqi:gte:250&sort=-day&limit=1000`, g)),
      query: (base: string, g: boolean) => drained(post(`${base}/query`, query, g)),
      download: (base: string, g: boolean) => drained(get(`${base}/download?format=csv`, g)),
    };
    const openBase = `/v1/open/${ds.id}`;
    const grantBase = `/v1/sharing/grants/${grant.id}`;
    const result: Record<string, unknown> = { rows: ROWS, rounds: ROUNDS };
    for (const [kind, read] of Object.entries(kinds)) {
      const rounds = kind === 'download' ? Math.ceil(ROUNDS / 6) : ROUNDS;
      const bytes = [await read(openBase, false), await read(grantBase, true)];
      // Averages may differ in their last digits (a parallel scan adds in another order).
      if (Math.abs(bytes[0]! - bytes[1]!) > bytes[0]! / 100)
        throw new Error(`${kind}: open ${bytes[0]} bytes, grant ${bytes[1]}`);
      const open: number[] = [];
      const granted: number[] = [];
      for (let i = 0; i < rounds; i++) {
        open.push((await time(() => read(openBase, false))).ms);
        granted.push((await time(() => read(grantBase, true))).ms);
      }
      open.sort((a, b) => a - b);
      granted.sort((a, b) => a - b);
      const openP50 = percentile(open, 50);
      const grantP50 = percentile(granted, 50);
      result[kind] = {
        bytes: bytes[0],
        openP50Ms: +openP50.toFixed(2),
        grantP50Ms: +grantP50.toFixed(2),
        openP99Ms: +percentile(open, 99).toFixed(2),
        grantP99Ms: +percentile(granted, 99).toFixed(2),
        ratio: +(openP50 / grantP50).toFixed(3),
        target: 0.9,
      };
      console.log(
        `sharing ${kind}: open p50 ${openP50.toFixed(2)} ms, grant p50 ${grantP50.toFixed(2)} ms, ratio (open/grant) ${(openP50 / grantP50).toFixed(3)} (target ≥ 0.9)`,
      );
    }
    return result;
  } finally {
    await api.stop();
    await db.drop();
  }
}
