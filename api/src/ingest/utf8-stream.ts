/**
 * Streaming, strict UTF-8 decoding (a BOM at the start is dropped). A character split across
 * chunks is fine; on an invalid byte, `decode` returns null and `validText` holds the text up to
 * that byte, so the reader can tell on which line it sits.
 */
export class Utf8Stream {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** The last (up to) three bytes decoded, holding any unfinished character. */
  private tail = new Uint8Array(0);
  private decodedBytes = 0;
  validText = '';

  decode(bytes: Uint8Array): string | null {
    try {
      const text = this.decoder.decode(bytes, { stream: true });
      this.remember(bytes);
      return text;
    } catch {
      this.validText = this.textBeforeFault(bytes, false);
      return null;
    }
  }

  /** Ends the stream; null when it ends inside a character. */
  end(): string | null {
    try {
      return this.decoder.decode();
    } catch {
      this.validText = this.textBeforeFault(new Uint8Array(0), true);
      return null;
    }
  }

  private remember(bytes: Uint8Array): void {
    this.decodedBytes += bytes.length;
    if (bytes.length >= 3) this.tail = bytes.slice(bytes.length - 3);
    else {
      const joined = new Uint8Array(this.tail.length + bytes.length);
      joined.set(this.tail);
      joined.set(bytes, this.tail.length);
      this.tail = joined.slice(-3);
    }
  }

  private textBeforeFault(bytes: Uint8Array, isEnd: boolean): string {
    const carry = this.tail.subarray(this.tail.length - unfinishedLength(this.tail));
    const all = new Uint8Array(carry.length + bytes.length);
    all.set(carry);
    all.set(bytes, carry.length);
    const fault = firstFault(all, isEnd);
    const isStreamStart = this.decodedBytes === carry.length;
    return new TextDecoder('utf-8', { ignoreBOM: !isStreamStart }).decode(all.subarray(0, fault));
  }
}

/** How many bytes at the end of `tail` begin a character that is not complete yet. */
function unfinishedLength(tail: Uint8Array): number {
  for (let i = 1; i <= tail.length; i++) {
    const b = tail[tail.length - i]!;
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return 0;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return size > i ? i : 0;
  }
  return 0;
}

/** Offset of the first ill-formed sequence (per the WHATWG decoder); an unfinished one at the end counts when `isEnd`. */
export function firstFault(bytes: Uint8Array, isEnd: boolean): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let size: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) size = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      size = 3;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      size = 4;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k < size; k++) {
      if (i + k >= n) return isEnd ? i : n;
      const c = bytes[i + k]!;
      if (c < lo || c > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += size;
  }
  return n;
}
