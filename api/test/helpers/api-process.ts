import { type ChildProcess, spawn } from 'node:child_process';

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
