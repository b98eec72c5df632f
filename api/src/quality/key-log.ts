/**
 * The keys a `unique` rule sees, logged as they come and compared once at the end: each key is
 * appended to flat typed arrays (sequential writes, nothing for the collector, no key kept alive),
 * and `repeats()` sorts them (a stable radix sort on the keys alone, so the earliest line comes first) to find the repeats. At a million keys this is
 * several times faster than any hash table, whose every probe misses the cache.
 *
 * A number is kept exactly, as its 64 bits. A string is kept as two independent 32-bit hashes:
 * two different strings are taken for the same only if both collide, which among a million
 * distinct strings happens with a chance of about 3 in 100 million (n² / 2⁶⁵).
 */
export class KeyLog {
  private hi = new Int32Array(1 << 14);
  private lo = new Int32Array(1 << 14);
  private lines = new Int32Array(1 << 14);
  private count = 0;
  /** Whether every key so far is a number greater than the one before (then none repeats), and the last. */
  private isAscending = true;
  private last = Number.NEGATIVE_INFINITY;
  private readonly numbers = new Float64Array(1);
  private readonly words = new Int32Array(this.numbers.buffer);

  get size(): number {
    return this.count;
  }

  /** Logs `key` as seen on `line`; line 0 for a key of the rows already in the dataset. */
  add(key: string | number, line: number): void {
    if (typeof key === 'string') this.addText(key, line);
    else this.addNumber(key, line);
  }

  /** `add` of a string key. */
  addText(key: string, line: number): void {
    this.isAscending = false;
    let a = 0x811c9dc5;
    let b = 0x2545f491 ^ key.length;
    // Two UTF-16 code units a step; the length, mixed in above, tells "a" from "a\0".
    for (let i = 0; i < key.length; i += 2) {
      const c = key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16);
      a = Math.imul(a ^ c, 0x01000193);
      a ^= a >>> 13;
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.push(a, b, line);
  }

  /** `add` of a number key. */
  addNumber(key: number, line: number): void {
    // -0 and 0 are one key, as the database sees them.
    this.numbers[0] = key === 0 ? 0 : key;
    if (!(key > this.last)) this.isAscending = false;
    this.last = key;
    this.push(this.words[1]!, this.words[0]!, line);
  }

  private push(a: number, b: number, line: number): void {
    const n = this.count;
    if (n === this.hi.length) this.grow();
    this.hi[n] = a;
    this.lo[n] = b;
    this.lines[n] = line;
    this.count = n + 1;
  }

  /**
   * Every key seen again: the line that repeats it and the line it was first seen on (0 when the
   * rows already in the dataset hold it), in order of line.
   */
  repeats(): { line: number; firstLine: number }[] {
    const n = this.count;
    // Keys that only ever grew, as a sequence number does, hold no repeat: nothing to sort.
    if (n < 2 || this.isAscending) return [];
    const { hi, lo, lines } = this;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const scratch = new Uint32Array(n);
    const counts = new Uint32Array(1 << 16);
    sortBy(hi, order, scratch, counts);
    // Equal high words are rare but for repeats: only their runs are sorted on the low word.
    const found: { line: number; firstLine: number }[] = [];
    for (let g = 0; g < n; ) {
      let end = g + 1;
      while (end < n && hi[order[end]!] === hi[order[g]!]) end++;
      if (end - g > 1) {
        const run = order.subarray(g, end);
        if (run.length <= 32) insertionSortBy(lo, run);
        else sortBy(lo, run, scratch.subarray(0, run.length), counts);
        let first = run[0]!;
        for (let k = 1; k < run.length; k++) {
          const i = run[k]!;
          if (lo[i] === lo[first]) found.push({ line: lines[i]!, firstLine: lines[first]! });
          else first = i;
        }
      }
      g = end;
    }
    return found.sort((x, y) => x.line - y.line);
  }

  private grow(): void {
    const size = 2 * this.hi.length;
    for (const key of ['hi', 'lo', 'lines'] as const) {
      const grown = new Int32Array(size);
      grown.set(this[key]);
      this[key] = grown;
    }
  }
}

/**
 * Orders the positions in `order` by `words[position]`: an LSD radix sort on 16-bit digits, lowest
 * first. It is stable, so equal keys keep the order they were logged in, which is the order of
 * their lines. `scratch` is as long as `order`.
 */
function sortBy(words: Int32Array, order: Uint32Array, scratch: Uint32Array, counts: Uint32Array): void {
  let from = order;
  let to = scratch;
  for (let shift = 0; shift < 32; shift += 16) {
    counts.fill(0);
    for (let k = 0; k < from.length; k++) counts[(words[from[k]!]! >>> shift) & 0xffff]!++;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < from.length; k++) {
      const i = from[k]!;
      to[counts[(words[i]! >>> shift) & 0xffff]!++] = i;
    }
    [from, to] = [to, from];
  }
}

/** `sortBy` of a short run, where the count tables would cost more than the sort. */
function insertionSortBy(words: Int32Array, order: Uint32Array): void {
  for (let k = 1; k < order.length; k++) {
    const i = order[k]!;
    let m = k - 1;
    for (; m >= 0 && words[order[m]!]! > words[i]!; m--) order[m + 1] = order[m]!;
    order[m + 1] = i;
  }
}
