import type { Server } from 'node:http';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientErrors } from '../src/http/client-errors.ts';
import { createTestApp, type TestApp } from './helpers/test-app.ts';

let t: TestApp;
let server: ReturnType<typeof serve>;
let port: number;
beforeAll(async () => {
  t = await createTestApp();
  server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  answerClientErrors(server as Server);
  await new Promise<void>((r) => server.once('listening', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
});

/** Sends raw bytes as a request, as a careless client would, and returns the raw answer. */
const raw = (head: Buffer) =>
  new Promise<{ status: number; headers: string; body: string }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let data = '';
    socket.on('data', (b) => (data += b));
    socket.on('error', reject);
    socket.on('end', () => {
      const [headers = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(headers.split(' ')[1]), headers, body });
    });
  });

describe('requests the HTTP parser refuses', () => {
  it('answers raw UTF-8 in the URL with a problem+json that says what to do', async () => {
    const res = await raw(
      Buffer.from('GET /v1/datasets?q=空气 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    expect(res.status).toBe(400);
    expect(res.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'MALFORMED_REQUEST', status: 400 });
    expect(JSON.parse(res.body).detail).toMatch(/percent-encode/);
  });

  it('still answers the percent-encoded form', async () => {
    const res = await raw(
      Buffer.from('GET /v1/datasets?q=%E7%A9%BA%E6%B0%94 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    expect(res.status).toBe(200);
  });

  it('answers an oversized head with 431 and a code', async () => {
    const res = await raw(
      Buffer.from(
        `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
      ),
    );
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).code).toBe('MALFORMED_REQUEST');
  });
});

describe('inputs that once answered 500', () => {
  const asAdmin = (json: unknown, headers: Record<string, string> = {}) =>
    t.req('POST', '/v1/orgs', { token: t.adminToken, json, headers });

  it('refuses NUL and unpaired surrogates in a body, a query or a path, naming where', async () => {
    for (const body of ['{"name":"a\\u0000b"}', '{"name":"\\ud800"}', '{"name":"x","\\udfff":1}']) {
      const res = await asAdmin(body);
      expect(res.status, body).toBe(400);
      expect(res.json.errors[0].path).toMatch(/^body\./);
      expect(res.json.errors[0].message).toMatch(/NUL|surrogate/);
    }
    const query = await t.req('GET', '/v1/datasets?q=%00');
    expect(query.status).toBe(400);
    expect(query.json.errors[0].path).toBe('query.q');
    const path = await t.req('GET', '/v1/datasets/a%00b');
    expect(path.status).toBe(400);
    expect(path.json.errors[0].path).toBe('params.id');
  });

  it('refuses JSON nested deeper than any route reads', async () => {
    const deep = `{"name":"x","nameEn":${'['.repeat(100)}${']'.repeat(100)}}`;
    const res = await asAdmin(deep);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].message).toMatch(/deeper than 64/);
  });

  it('answers a body of another content type with 415, and none at all with 400', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await t.req('POST', '/v1/orgs', {
        token: t.adminToken,
        body: 'name=x',
        headers: { 'content-type': type },
      });
      expect(res.status, type).toBe(415);
      expect(res.json.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const none = await t.req('POST', '/v1/orgs', { token: t.adminToken });
    expect(none.status).toBe(400);
  });

  it('refuses instants outside 1970–9999 as invalid', async () => {
    for (const to of ['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '1969-12-31T23:59:59Z']) {
      const res = await t.req('GET', `/v1/audit/alerts?to=${encodeURIComponent(to)}`, {
        token: t.adminToken,
      });
      expect(res.status, to).toBe(400);
      expect(res.json.code).toBe('VALIDATION_FAILED');
    }
  });
});
