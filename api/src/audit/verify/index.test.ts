import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  generateSignerKey,
  parseSignerKey,
  signNote,
  verifierKeyOf,
} from '../checkpoint.ts';
import { encodeAuditRecord, leafHash } from '../entry-encoding.ts';
import { consistencyProof, createTreeBuilder, inclusionProof, type TFetchNodes } from '../merkle.ts';
import * as verify from './index.ts';

const ORIGIN = 'enclave.test/audit';

/** A small log of audit entries as the API serves them, its tree, and a signed checkpoint. */
function makeLog(size: number) {
  const entries = Array.from({ length: size }, (_, index) => ({
    index,
    v: 1 as const,
    at: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(),
    actor: { userId: `u${index}`, orgId: 'o1', role: 'operator' },
    action: index % 2 ? 'sandbox.run_submit' : 'contract.use',
    objectType: 'sandbox_run',
    objectId: `r${index}`,
    contractId: null,
    datasetId: null,
    outcome: 'success' as const,
    details: { n: index, 名称: '数据' },
    requestId: null,
  }));
  const nodes = new Map<string, Buffer>();
  const builder = createTreeBuilder();
  for (const { index: _i, ...record } of entries)
    for (const n of builder.append(leafHash(encodeAuditRecord(record))))
      nodes.set(`${n.level}/${n.index}`, n.hash);
  const fetch: TFetchNodes = async (ids) => ids.map((id) => nodes.get(`${id.level}/${id.index}`)!);
  const signer = parseSignerKey(generateSignerKey(ORIGIN));
  const note = signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash: builder.root() }), signer);
  return { entries, fetch, note, key: verifierKeyOf(signer), root: builder.root() };
}

const codeOf = async (run: () => Promise<unknown>): Promise<string> => {
  try {
    await run();
    return 'none';
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
};

describe('audit log verification shared by the CLI and the browser', () => {
  it('imports no node: module and uses no Buffer, so the portal can bundle it', () => {
    const dir = new URL('./', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter((i) => !i.startsWith('./') && i !== '@enclave/contracts'),
        file,
      ).toEqual([]);
      expect(source, file).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(|\bfetch\(/);
    }
  });

  it('verifies a checkpoint, recomputes an entry leaf and checks its inclusion, as the server built them', async () => {
    const log = makeLog(11);
    const verifier = await verify.parseVerifierKey(log.key);
    const checkpoint = await verify.openCheckpoint(log.note, verifier, ORIGIN);
    expect(checkpoint).toMatchObject({ origin: ORIGIN, size: 11 });
    expect(verify.encodeBase64(checkpoint.rootHash)).toBe(log.root.toString('base64'));
    for (const entry of log.entries) {
      const leaf = await verify.auditEntryLeafHash(entry);
      const proof = await inclusionProof(entry.index, 11, log.fetch);
      await verify.verifyInclusion(entry.index, 11, leaf, proof, checkpoint.rootHash);
    }
    const proof = await consistencyProof(4, 11, log.fetch);
    const old = makeLogRoot(log.entries.slice(0, 4));
    await verify.verifyConsistency(4, 11, old, checkpoint.rootHash, proof);
  });

  it('refuses a wrong signature, another key and an altered checkpoint', async () => {
    const log = makeLog(5);
    const verifier = await verify.parseVerifierKey(log.key);
    const [body, sig] = log.note.split('\n\n') as [string, string];
    const raw = verify.decodeBase64(sig.trim().split(' ').at(-1)!)!;
    raw[10]! ^= 0x01;
    const badSignature = `${body}\n\n— ${ORIGIN} ${verify.encodeBase64(raw)}\n`;
    expect(await codeOf(() => verify.openCheckpoint(badSignature, verifier))).toBe('NOTE_SIGNATURE_INVALID');
    const other = await verify.parseVerifierKey(makeLog(5).key);
    expect(await codeOf(() => verify.openCheckpoint(log.note, other))).toBe('NOTE_UNVERIFIED');
    const grown = log.note.replace('\n5\n', '\n6\n');
    expect(await codeOf(() => verify.openCheckpoint(grown, verifier))).toBe('NOTE_SIGNATURE_INVALID');
    expect(await codeOf(() => verify.openCheckpoint(log.note, verifier, 'other.test/log'))).toBe(
      'CHECKPOINT_MALFORMED',
    );
    const keyWithWrongId = log.key.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(await codeOf(() => verify.parseVerifierKey(keyWithWrongId))).toBe('NOTE_KEY_MALFORMED');
  });

  it('refuses an inclusion proof against a wrong root, for the wrong leaf, or with a byte flipped', async () => {
    const log = makeLog(9);
    const checkpoint = await verify.openCheckpoint(log.note, await verify.parseVerifierKey(log.key));
    const proof = await inclusionProof(3, 9, log.fetch);
    const leaf = await verify.auditEntryLeafHash(log.entries[3]!);
    await verify.verifyInclusion(3, 9, leaf, proof, checkpoint.rootHash);

    const wrongRoot = Uint8Array.from(checkpoint.rootHash);
    wrongRoot[0]! ^= 0x80;
    expect(await codeOf(() => verify.verifyInclusion(3, 9, leaf, proof, wrongRoot))).toBe(
      'MERKLE_ROOT_MISMATCH',
    );

    const otherLeaf = await verify.auditEntryLeafHash(log.entries[4]!);
    expect(await codeOf(() => verify.verifyInclusion(3, 9, otherLeaf, proof, checkpoint.rootHash))).toBe(
      'MERKLE_ROOT_MISMATCH',
    );
    const edited = await verify.auditEntryLeafHash({ ...log.entries[3]!, outcome: 'refused' });
    expect(await codeOf(() => verify.verifyInclusion(3, 9, edited, proof, checkpoint.rootHash))).toBe(
      'MERKLE_ROOT_MISMATCH',
    );
    const flipped = proof.map((h, i) => (i === 1 ? Uint8Array.from(h, (b, j) => (j === 7 ? b ^ 1 : b)) : h));
    expect(await codeOf(() => verify.verifyInclusion(3, 9, leaf, flipped, checkpoint.rootHash))).toBe(
      'MERKLE_ROOT_MISMATCH',
    );
    expect(await codeOf(() => verify.verifyInclusion(4, 9, leaf, proof, checkpoint.rootHash))).toBe(
      'MERKLE_ROOT_MISMATCH',
    );
  });

  it('refuses a consistency proof for a rewritten log', async () => {
    const log = makeLog(12);
    const proof = await consistencyProof(5, 12, log.fetch);
    const rewritten = makeLogRoot([
      ...log.entries.slice(0, 2),
      { ...log.entries[2]!, objectId: 'x' },
      ...log.entries.slice(3, 5),
    ]);
    expect(await codeOf(() => verify.verifyConsistency(5, 12, rewritten, log.root, proof))).toBe(
      'MERKLE_ROOT_MISMATCH',
    );
    expect(await codeOf(() => verify.verifyConsistency(12, 5, log.root, rewritten, proof))).toBe(
      'MERKLE_BAD_RANGE',
    );
  });

  it('hashes an entry the way the server does, whatever the order of its fields', async () => {
    const { entries } = makeLog(1);
    const { index: _i, ...record } = entries[0]!;
    const reordered = Object.fromEntries(Object.entries(entries[0]!).reverse());
    expect(verify.encodeBase64(await verify.auditEntryLeafHash(reordered))).toBe(
      leafHash(encodeAuditRecord(record)).toString('base64'),
    );
  });
});

function makeLogRoot(entries: ReturnType<typeof makeLog>['entries']): Buffer {
  const builder = createTreeBuilder();
  for (const { index: _i, ...record } of entries) builder.append(leafHash(encodeAuditRecord(record)));
  return builder.root();
}
