import { createHash } from 'node:crypto';

/** SHA-256 of text (UTF-8), hex. */
export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
