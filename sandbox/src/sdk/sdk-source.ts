import { readFileSync } from 'node:fs';

/**
 * The in-isolate SDK (`enclave-sdk.js`), read once per process: a single function expression
 * (its statement's trailing semicolon removed), which the runner calls in each fresh context
 * before the operator's script.
 */
export const SDK_SOURCE: string = readFileSync(new URL('./enclave-sdk.js', import.meta.url), 'utf8')
  .trim()
  .replace(/;$/, '');

/** The name the SDK's frames carry in stack traces. */
export const SDK_FILENAME = 'enclave-sdk.js';
