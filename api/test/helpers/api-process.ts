import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

export type ApiProcess = {
  child: ChildProcess;
  /** Where it listens, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** What it wrote to stdout and stderr so far. */
  out(): string;
  /** Ends it with SIGKILL: no clean-up of any kind, as a crash or an OOM kill. */
  kill(): Promise<void>;
  /** Ends it with SIGTERM, as an orderly shutdown; resolves to its exit code. */
  stop(): Promise<number | null>;
};

/** `enclave start` as its own process, with `env` over this process's environment. */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], { env: { ...process.env, ...env } });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)[\s\S]*admin token/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const ended = (signal: NodeJS.Signals) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  return {
    child,
    url,
    out: () => out,
    kill: async () => {
      await ended('SIGKILL');
    },
    stop: () => ended('SIGTERM'),
  };
}

/**
 * A fresh database for an API process of its own: on the server of DATABASE_URL when it is set
 * (its URL, dropped by `drop`), else none (the process uses PGlite in its DATA_DIR).
 */
export async function separateDatabase(
  prefix: string,
): Promise<{ url: string | null; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) return { url: null, drop: async () => {} };
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
