import { z } from '@hono/zod-openapi';
import { consistencyProofFor, inclusionProofFor } from '../audit/audit-proofs.ts';
import { verifierKeyOf } from '../audit/checkpoint.ts';
import { getCheckpoint } from '../audit/get-checkpoint.ts';
import { issueCheckpoint } from '../audit/issue-checkpoint.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { defineRoute } from '../http/access.ts';
import type { App } from '../http/env.ts';
import { jsonResponse, problems, registerRawRoute } from '../http/openapi.ts';
import { toAppError } from '../http/problem.ts';

const TEXT = 'text/plain; charset=utf-8';

/** A tree position in a query string: decimal digits only, no sign, exponent or leading zero. */
const position = (name: string, description: string) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer')
    .transform(Number)
    .refine(Number.isSafeInteger, 'too large')
    .openapi({ param: { name, in: 'query' }, description, example: '7' });

const ZCheckpointQuery = z.strictObject({
  size: position('size', 'A past checkpoint’s tree size; the latest checkpoint without it').optional(),
});
const ZInclusionQuery = z.strictObject({
  index: position('index', 'The entry’s index in the log (its `seq`)'),
  size: position('size', 'The tree size of the checkpoint to prove against'),
});
const ZConsistencyQuery = z.strictObject({
  from: position('from', 'The older tree size (at least 1)'),
  to: position('to', 'The newer tree size, at most the log’s size'),
});

const ZHashes = z.array(z.string()).openapi({
  description:
    'Standard base64 SHA-256 hashes in RFC 9162 order (§2.1.3 for inclusion, §2.1.4 for consistency): from the bottom of the tree up',
  example: ['lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c='],
});
const ZInclusionProof = z
  .object({ index: z.number().int(), size: z.number().int(), hashes: ZHashes })
  .openapi('AuditInclusionProof');
const ZConsistencyProof = z
  .object({ from: z.number().int(), to: z.number().int(), hashes: ZHashes })
  .openapi('AuditConsistencyProof');

const textResponse = (description: string, example: string) => ({
  description,
  content: { 'text/plain': { schema: z.string().openapi({ example }) } },
});
const NOTE_EXAMPLE =
  'enclave.localhost/audit\n42\nXcnaeacGWamtVZy3Ad7Zoqudgjqt...=\n\n— enclave.localhost/audit Az3grlgt...=\n';

/**
 * The verifiable audit log: signed checkpoints (C2SP tlog-checkpoint in a C2SP signed note,
 * Ed25519), the key that verifies them, and RFC 9162 proofs. Open to anyone: a proof or a
 * checkpoint reveals no entry.
 */
export function registerAuditLogRoutes(app: App, deps: Deps) {
  registerRawRoute(
    app,
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/audit/checkpoint',
      tags: ['audit'],
      summary: 'The latest signed checkpoint of the audit log, or the one at `size`',
      description:
        'The signed note exactly as signed: origin, tree size, base64 root hash, a blank line, then `— <key name> <base64(key ID ‖ Ed25519 signature)>`. Verify it with the key of `GET /v1/audit/key` (e.g. golang.org/x/mod/sumdb/note). Keep the checkpoints you have seen and ask for consistency proofs between them.',
      request: { query: ZCheckpointQuery },
      responses: {
        200: textResponse('The signed checkpoint', NOTE_EXAMPLE),
        ...problems,
        404: { ...problems[404], description: 'No checkpoint was issued (at that size)' },
      },
    }),
    async (c) => {
      const query = ZCheckpointQuery.safeParse(c.req.query());
      if (!query.success) throw toAppError(query.error, 'query');
      const checkpoint = await getCheckpoint(deps.db, query.data.size);
      if (!checkpoint)
        throw notFound(
          query.data.size === undefined ? 'checkpoint' : `checkpoint at size ${query.data.size}`,
        );
      return c.body(checkpoint.note, 200, { 'content-type': TEXT });
    },
  );

  registerRawRoute(
    app,
    defineRoute(['admin', 'regulator'], {
      method: 'post',
      path: '/v1/audit/checkpoints',
      tags: ['audit'],
      summary: 'Issue a checkpoint now (admin, regulator)',
      description:
        'Signs a checkpoint at the log’s current size unless the latest one already covers it; answers with the latest checkpoint either way. Issuing adds no audit entry. The server also issues one on a schedule while the log grows.',
      responses: {
        201: textResponse('A new checkpoint', NOTE_EXAMPLE),
        200: textResponse('The log has not grown: the latest checkpoint', NOTE_EXAMPLE),
        ...problems,
      },
    }),
    async (c) => {
      const { checkpoint, isNew } = await issueCheckpoint(deps);
      return c.body(checkpoint.note, isNew ? 201 : 200, { 'content-type': TEXT });
    },
  );

  registerRawRoute(
    app,
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/audit/key',
      tags: ['audit'],
      summary: 'The verifier key of the audit log’s checkpoints',
      description:
        'In the golang.org/x/mod/sumdb/note form `<name>+<key ID, 8 hex>+<base64(0x01 ‖ Ed25519 public key)>`, where the key ID is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). Obtain it once through a channel you trust.',
      responses: {
        200: textResponse('The verifier key', 'enclave.localhost/audit+1b2c3d4e+AZ…'),
        ...problems,
      },
    }),
    (c) => c.body(`${verifierKeyOf(deps.auditKey.signer())}\n`, 200, { 'content-type': TEXT }),
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/audit/proofs/inclusion',
      tags: ['audit'],
      summary: 'Proof that entry `index` is in the log of `size` entries',
      description:
        'Recompute the entry’s leaf hash SHA-256(0x00 ‖ its canonical bytes), fold in `hashes` as RFC 9162 §2.1.3.2 says, and compare with the root of the checkpoint of that size.',
      request: { query: ZInclusionQuery },
      responses: { 200: jsonResponse(ZInclusionProof, 'The inclusion proof'), ...problems },
    }),
    async (c) => {
      const { index, size } = c.req.valid('query');
      return c.json(await inclusionProofFor(deps.db, index, size), 200);
    },
  );

  app.openapi(
    defineRoute('anyone', {
      method: 'get',
      path: '/v1/audit/proofs/consistency',
      tags: ['audit'],
      summary: 'Proof that the log of `from` entries is a prefix of the log of `to` entries',
      description:
        'Verify with RFC 9162 §2.1.4.2 against the roots of the two checkpoints: nothing before `from` was changed, removed or reordered. Equal sizes give an empty proof.',
      request: { query: ZConsistencyQuery },
      responses: { 200: jsonResponse(ZConsistencyProof, 'The consistency proof'), ...problems },
    }),
    async (c) => {
      const { from, to } = c.req.valid('query');
      return c.json(await consistencyProofFor(deps.db, from, to), 200);
    },
  );
}
