import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as client from './client/index.ts';
import * as mpc from './index.ts';

const src = new URL('./', import.meta.url);
const sources = (sub: string) =>
  readdirSync(new URL(sub, src))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-fixtures.ts')
    .map((f) => `${sub}${f}`);

describe('@enclave/mpc public surface', () => {
  it('exports the agreed operations', () => {
    expect(Object.keys(client).sort()).toEqual(
      [
        'MpcApiError',
        'MpcError',
        'PARAM_SETS',
        'answerPsi',
        'call',
        'createHeKeys',
        'csvRecords',
        'decryptScores',
        'decryptSlots',
        'encryptModel',
        'fetchParams',
        'parseIdentifiers',
        'splitResult',
        'startPsi',
      ].sort(),
    );
    expect(Object.keys(mpc)).toEqual(
      expect.arrayContaining([
        'evaluateModel',
        'checkSerialized',
        'splitSerialized',
        'createMpcPool',
        'checkCurvePoints',
        'blindPoints',
      ]),
    );
  });

  it('the code the browser runs imports no node: module and touches no process or Buffer', () => {
    // Everything but the worker processes, which only the server starts.
    const files = ['', 'client/', 'he/', 'psi/', 'psi/lib/'].flatMap(sources);
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const source = readFileSync(new URL(file, src), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter(
          (i) =>
            !i.startsWith('.') &&
            !['node-seal', '@noble/curves/ed25519.js', '@noble/curves/utils.js'].includes(i),
        ),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\bprocess\.[a-z]|\bBuffer\.|\brequire\(/);
    }
  });
});
