import { readFile } from 'node:fs/promises';
import {
  answerPsi,
  call,
  MpcError,
  csvRecords as parseCsv,
  parseIdentifiers,
  startPsi,
  type TCsvRecord,
  type TIdentifiers,
  type TPsiProgress,
} from '@enclave/mpc/client';
import { MAX_PSI_IDENTIFIERS } from '../mpc/submit-computation.ts';
import {
  apiPath,
  CliError,
  connect,
  endpoint,
  formatBytes,
  need,
  parseCommand,
  parseMeasure,
  reportFailure,
  settle,
  type TCliIo,
  type TComputation,
  type TMeasure,
} from './mpc-score.ts';

/**
 * `enclave mpc psi`: the operator's side of a private join. The identifiers are read here, hashed
 * to the curve and blinded with a secret that never leaves this process; the platform sees only
 * blinded points and answers with protected aggregates over the intersection. No identifier is
 * ever printed, not even in an error (those name line numbers).
 */

export type TPsiInput = {
  url: string;
  token: string;
  contract: string;
  dataset: string;
  idColumn: string;
  groupBy: string | null;
  measures: TMeasure[];
  ids: string;
  idsColumn: string | null;
};

/** The arguments of `enclave mpc psi`. */
export function parsePsiArgs(argv: string[], env: TCliIo['env']): TPsiInput {
  const values = parseCommand(argv, {
    url: { type: 'string' },
    token: { type: 'string' },
    contract: { type: 'string' },
    dataset: { type: 'string' },
    'id-column': { type: 'string' },
    'group-by': { type: 'string' },
    measure: { type: 'string', multiple: true },
    ids: { type: 'string' },
    'ids-column': { type: 'string' },
  });
  need(values, ['url', 'contract', 'dataset', 'id-column', 'ids']);
  return {
    ...endpoint(values, env),
    contract: values.contract!,
    dataset: values.dataset!,
    idColumn: values['id-column']!,
    groupBy: values['group-by'] ?? null,
    measures: (values.measure ?? []).map((m) => parseMeasure(m, '--measure')),
    ids: values.ids!,
    idsColumn: values['ids-column'] ?? null,
  };
}

// ————————————————————————————————————————— identifiers —————————————————————————————————————————

/** Refusals of the identifiers as the CLI shows them: `IDS_INVALID: <file>: <reason>`. */
function idsError(err: unknown, file: string): unknown {
  return err instanceof MpcError ? new CliError('IDS_INVALID', `${file}: ${err.message}`) : err;
}

/** The records of a CSV text (RFC 4180: quoted fields, doubled quotes, LF or CRLF), each with its first line. */
export function csvRecords(text: string, file: string): TCsvRecord[] {
  try {
    return parseCsv(text);
  } catch (err) {
    throw idsError(err, file);
  }
}

export type { TIdentifiers };

/**
 * The distinct identifiers of `file`: one a line, or the column `column` of a CSV with a header,
 * read as the browser's join reads them (`parseIdentifiers` of the SDK); a refusal names the line,
 * never the identifier.
 */
export async function readIdentifiers(file: string, column: string | null): Promise<TIdentifiers> {
  const text = await readFile(file, 'utf8');
  try {
    return parseIdentifiers(text, { column, max: MAX_PSI_IDENTIFIERS });
  } catch (err) {
    throw idsError(err, file);
  }
}

// ————————————————————————————————————————— progress —————————————————————————————————————————

const STAGES: Record<Parameters<TPsiProgress>[0], string> = {
  hash: 'hashing identifiers',
  blind: 'blinding identifiers',
  answer: "blinding the platform's points",
};

/**
 * Progress of hashing and blinding as percentages on stderr: within a stage, at most one line
 * every `everyMs`, besides its first and its last (100 %), so that none seems to stop short.
 */
export function psiProgress(io: TCliIo, everyMs = 500): TPsiProgress {
  const now = io.now ?? Date.now;
  let stage: string | null = null;
  let last = 0;
  return (s, done, total) => {
    const t = now();
    if (s === stage && t - last < everyMs && done < total) return;
    stage = s;
    last = t;
    io.err(`${STAGES[s]}: ${Math.floor((100 * done) / Math.max(total, 1))}% (${done} of ${total})`);
  };
}

// ————————————————————————————————————————— the join —————————————————————————————————————————

type TPsiSession = {
  id: string;
  status: string;
  points: number | null;
  errorCode: string | null;
  errorMessage: string | null;
};

/**
 * `enclave mpc psi`: opens the join (the platform blinds its side meanwhile), hashes and blinds
 * the identifiers, blinds the platform's points in turn, sends both, and prints the protected
 * result over the intersection.
 */
export async function mpcPsi(argv: string[], io: TCliIo): Promise<number> {
  const input = parsePsiArgs(argv, io.env);
  const { ids, read, duplicates } = await readIdentifiers(input.ids, input.idsColumn);
  io.err(`read ${read} identifiers from ${input.ids}${duplicates ? ` (${ids.length} distinct)` : ''}`);
  const api = connect(input.url, input.token);

  const opened = await call<TPsiSession>(api, 'POST', '/v1/mpc/psi/sessions', {
    contractId: input.contract,
    dataset: input.dataset,
    identifierColumn: input.idColumn,
    ...(input.groupBy ? { groupBy: input.groupBy } : {}),
    measures: input.measures,
  });
  io.err(`opened session ${opened.id}; the platform blinds its side meanwhile`);
  const progress = psiProgress(io);
  const op = await startPsi(ids, progress);

  io.err(`waiting for session ${opened.id}…`);
  const session = await settle<TPsiSession>(api, apiPath('/v1/mpc/psi/sessions/', opened.id));
  if (session.status !== 'ready')
    throw new CliError(
      session.errorCode ?? 'MPC_FAILED',
      session.errorMessage ?? `the session is ${session.status}, not ready`,
    );
  const points = await call<Uint8Array>(
    api,
    'GET',
    apiPath('/v1/mpc/psi/sessions/', session.id, '/points'),
    undefined,
    'bytes',
  );
  const body = await answerPsi(op, points, progress);
  io.err(`sending the join (${formatBytes(body.length)})…`);
  const queued = await call<TComputation>(
    api,
    'POST',
    apiPath('/v1/mpc/psi/sessions/', session.id, '/join'),
    body,
  );
  io.err(`waiting for computation ${queued.id}…`);
  const done = await settle<TComputation>(api, apiPath('/v1/mpc/computations/', queued.id));
  if (done.status !== 'succeeded') return reportFailure(io, done);
  const result = done.result as Record<string, unknown>;
  io.out(
    `${JSON.stringify({ computation: done.id, ...result, epsilonCharged: done.epsilonCharged }, null, 2)}\n`,
  );
  return 0;
}
