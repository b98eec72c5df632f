import { createHash } from 'node:crypto';

/**
 * The position after the last row of a page in the default (`_rid`) order, with the version the
 * first page was read at, so that every page of one walk sees the same rows.
 */
export type TRowsCursor = { version: number; afterRid: number; generation: string };

/*
 * A cursor is opaque to callers: base64url of `version.rid.generation.check`. The check is a digest
 * over the dataset id and the other parts; it is not a secret (the rows behind are open anyway) but
 * turns an edited, truncated or foreign cursor into a clear 400 instead of a silent jump.
 */

const digest = (s: string) => createHash('sha256').update(s).digest('base64url');

/** A short fingerprint of a generation table, so a cursor outlives appends but not a replace. */
export const generationOf = (tableName: string) => digest(`generation|${tableName}`).slice(0, 8);

const check = (datasetId: string, version: number, afterRid: number, generation: string) =>
  digest(`open-rows-cursor|${datasetId}|${version}|${afterRid}|${generation}`).slice(0, 16);

export function encodeCursor(datasetId: string, c: TRowsCursor): string {
  const text = `${c.version}.${c.afterRid}.${c.generation}.${check(datasetId, c.version, c.afterRid, c.generation)}`;
  return Buffer.from(text).toString('base64url');
}

const SHAPE = /^([1-9]\d{0,9})\.([1-9]\d{0,15})\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{16})$/;

/** The cursor, or null when it is not one this dataset issued. */
export function decodeCursor(datasetId: string, cursor: string): TRowsCursor | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('latin1');
  // Only the canonical encoding: a last character differing in its unused bits is an edit too.
  if (Buffer.from(text, 'latin1').toString('base64url') !== cursor) return null;
  const m = SHAPE.exec(text);
  if (!m) return null;
  const version = Number(m[1]);
  const afterRid = Number(m[2]);
  const generation = m[3]!;
  if (!Number.isSafeInteger(afterRid) || version > 2_147_483_647) return null;
  if (m[4] !== check(datasetId, version, afterRid, generation)) return null;
  return { version, afterRid, generation };
}
