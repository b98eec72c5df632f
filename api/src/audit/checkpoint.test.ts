import { describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  generateSignerKey,
  NoteError,
  noteKeyId,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type TNoteErrorCode,
  verifierKeyOf,
} from './checkpoint.ts';

// Vectors of golang.org/x/mod/sumdb/note, note_test.go (TestNewVerifier, TestNewSigner, TestSign,
// TestOpen): the reference implementation of C2SP signed-note with Ed25519.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// The example of C2SP tlog-checkpoint (its body; the signing key is not published).
const C2SP_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

const codeOf = async (fn: () => unknown): Promise<TNoteErrorCode | 'none'> => {
  try {
    await fn();
    return 'none';
  } catch (err) {
    if (err instanceof NoteError) return err.code;
    throw err;
  }
};

describe('signed notes: the Go sumdb/note vectors', () => {
  it('reads the published keys and derives the same key ID and verifier key', async () => {
    const signer = parseSignerKey(PETER_SKEY);
    const verifier = await parseVerifierKey(PETER_VKEY);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(noteKeyId('PeterNeumann', verifier.publicKey)).toBe(0xc74f20a3);
    expect(verifierKeyOf(signer)).toBe(PETER_VKEY);
  });

  it('signs the text to exactly the published note and opens it', async () => {
    const note = signNote(TEXT, parseSignerKey(PETER_SKEY));
    expect(note).toBe(`${TEXT}\n${PETER_SIG}`);
    expect(await openNote(note, await parseVerifierKey(PETER_VKEY))).toBe(TEXT);
    expect(await openNote(Buffer.from(note, 'utf8'), await parseVerifierKey(PETER_VKEY))).toBe(TEXT);
  });

  it('opens a note signed by two keys with either, ignoring the other signature', async () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(await openNote(note, await parseVerifierKey(PETER_VKEY))).toBe(TEXT);
    expect(await openNote(note, await parseVerifierKey(ENOCH_VKEY))).toBe(TEXT);
  });

  it('refuses every truncation and every single-character change of the keys', async () => {
    for (const [key, parse] of [
      [PETER_VKEY, parseVerifierKey],
      [PETER_SKEY, parseSignerKey],
    ] as const) {
      for (let i = 0; i <= key.length; i++)
        for (let j = i + 1; j <= key.length; j++)
          if (i !== 0 || j !== key.length)
            expect(await codeOf(async () => parse(key.slice(i, j))), key.slice(i, j)).not.toBe('none');
      for (let i = 0; i < key.length; i++) {
        const changed = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) + 1) + key.slice(i + 1);
        expect(await codeOf(async () => parse(changed)), changed).toBe('NOTE_KEY_MALFORMED');
      }
    }
    // Wrong length and unknown algorithm, each with its key ID adjusted (from the Go tests).
    expect(
      await codeOf(
        async () =>
          await parseVerifierKey(
            'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
          ),
      ),
    ).toBe('NOTE_KEY_MALFORMED');
    expect(
      await codeOf(
        async () =>
          await parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
      ),
    ).toBe('NOTE_KEY_MALFORMED');
  });

  it('refuses malformed notes as the Go package does', async () => {
    const peter = await parseVerifierKey(PETER_VKEY);
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.repeat(101)}`,
    ];
    for (const note of bad)
      expect(await codeOf(async () => await openNote(note, peter)), JSON.stringify(note)).toBe(
        'NOTE_MALFORMED',
      );
    const invalidUtf8 = Buffer.concat([Buffer.of(0xff), Buffer.from(`${TEXT}\n${PETER_SIG}`)]);
    expect(await codeOf(async () => await openNote(invalidUtf8, peter))).toBe('NOTE_MALFORMED');
  });

  it('rejects a bad signature of the trusted key, and a note without one', async () => {
    const peter = await parseVerifierKey(PETER_VKEY);
    const mangled = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(await codeOf(async () => await openNote(mangled, peter))).toBe('NOTE_SIGNATURE_INVALID');
    expect(await codeOf(async () => await openNote(`${TEXT}\n${ENOCH_SIG}`, peter))).toBe('NOTE_UNVERIFIED');
    const otherText = TEXT.replace('cryptography', 'cryptology');
    expect(await codeOf(async () => await openNote(`${otherText}\n${PETER_SIG}`, peter))).toBe(
      'NOTE_SIGNATURE_INVALID',
    );
    // Same name, another key: its signature is not ours to check, so the note is unverified.
    const impostor = parseSignerKey(generateSignerKey('PeterNeumann'));
    expect(await codeOf(async () => await openNote(signNote(TEXT, impostor), peter))).toBe('NOTE_UNVERIFIED');
  });
});

describe('checkpoints', () => {
  const rootHash = Buffer.alloc(32, 7);

  it('formats and parses the C2SP example body', async () => {
    const parsed = parseCheckpoint(C2SP_BODY);
    expect(parsed.origin).toBe('example.com/behind-the-sofa');
    expect(parsed.size).toBe(20852163);
    expect(formatCheckpoint(parsed)).toBe(C2SP_BODY);
    expect(parseCheckpoint(`${C2SP_BODY}ext one\n`).extensions).toEqual(['ext one']);
  });

  it('signs a checkpoint that opens with the published verifier key only', async () => {
    const skey = generateSignerKey('enclave.test/audit');
    const signer = parseSignerKey(skey);
    const vkey = verifierKeyOf(signer);
    expect(vkey).toMatch(/^enclave\.test\/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const note = signNote(formatCheckpoint({ origin: 'enclave.test/audit', size: 42, rootHash }), signer);
    expect(note).toMatch(
      /^enclave\.test\/audit\n42\n[A-Za-z0-9+/]{43}=\n\n— enclave\.test\/audit [A-Za-z0-9+/]{91}=\n$/,
    );
    const opened = await openCheckpoint(note, await parseVerifierKey(vkey), 'enclave.test/audit');
    expect(opened.size).toBe(42);
    expect(Buffer.from(opened.rootHash).equals(rootHash)).toBe(true);

    expect(
      await codeOf(async () => await openCheckpoint(note, await parseVerifierKey(vkey), 'other.test/log')),
    ).toBe('CHECKPOINT_MALFORMED');
    const other = verifierKeyOf(parseSignerKey(generateSignerKey('enclave.test/audit')));
    expect(await codeOf(async () => await openCheckpoint(note, await parseVerifierKey(other)))).toBe(
      'NOTE_UNVERIFIED',
    );
    const grown = note.replace('\n42\n', '\n43\n');
    expect(await codeOf(async () => await openCheckpoint(grown, await parseVerifierKey(vkey)))).toBe(
      'NOTE_SIGNATURE_INVALID',
    );
  });

  it('refuses malformed checkpoint bodies', async () => {
    const root = rootHash.toString('base64');
    for (const body of [
      `o\n1\n${root}`,
      `o\n1\n`,
      `\n1\n${root}\n`,
      `o\n01\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n1.0\n${root}\n`,
      `o\n9007199254740993\n${root}\n`,
      `o\n1\n${rootHash.subarray(1).toString('base64')}\n`,
      `o\n1\n${root.slice(0, -1)}\n`,
      `o\n1\n${root}\n\n`,
    ])
      expect(await codeOf(async () => parseCheckpoint(body)), JSON.stringify(body)).toBe(
        'CHECKPOINT_MALFORMED',
      );
  });

  it('refuses to format what could not be read back', async () => {
    for (const c of [
      { origin: 'has space', size: 1, rootHash },
      { origin: 'a+b', size: 1, rootHash },
      { origin: 'o', size: -1, rootHash },
      { origin: 'o', size: 1.5, rootHash },
      { origin: 'o', size: 1, rootHash: rootHash.subarray(1) },
    ])
      expect(await codeOf(async () => formatCheckpoint(c))).toBe('CHECKPOINT_MALFORMED');
    expect(await codeOf(async () => generateSignerKey('bad name'))).toBe('NOTE_KEY_MALFORMED');
    expect(await codeOf(async () => signNote('no newline', parseSignerKey(PETER_SKEY)))).toBe(
      'NOTE_MALFORMED',
    );
  });
});
