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
