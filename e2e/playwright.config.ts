import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// The real server on a fresh embedded database with the demo seed, on loopback (WebCrypto needs a
// secure context, which http://127.0.0.1 is). Debian's Chromium: Playwright's own browser
// download does not work here.
const port = Number(process.env.E2E_PORT ?? 8797);
export const BASE_URL = `http://127.0.0.1:${port}`;
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
export const DATA_DIR = join(tmpdir(), `enclave-e2e-${port}`);

export default defineConfig({
  testDir: '.',
  outputDir: '../test-results',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  // One server, two cores: tests in one file share state (a signed-in person); files run in turn.
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: BASE_URL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `rm -rf '${DATA_DIR}' && node api/src/cli.ts start`,
    cwd: '..',
    url: `${BASE_URL}/v1/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR,
      ENCLAVE_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      RATE_LIMIT_ANONYMOUS: '100000',
      RATE_LIMIT_TOKEN: '100000',
      LOG_LEVEL: 'warn',
    },
  },
});
