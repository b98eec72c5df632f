import { RE2JS } from 're2js';

/** Steps a backtracking match may take on one value before the linear-time engine is used instead. */
const MAX_STEPS = 100_000;
/** The most paths the alternations of a pattern may open for the backtracking engine to be used. */
const MAX_PATHS = 1_000;
const ESCAPABLE = '^$\\.*+?()[]{}|/-';

/**
 * What a backtracking engine needs to know to be safe on a pattern: its source for a JavaScript
 * RegExp with the same meaning, the number of variable repetitions and the paths its alternations
 * open. Null when the pattern uses anything outside the plain subset where RE2 and JavaScript
 * agree: literals, `.`, `\d \D \w \W`, escaped punctuation, classes of those, `^`, `$`,
 * alternation and groups that are not repeated, and repetitions (`* + ? {n,m}`) of single atoms.
 */
function plainSubset(source: string): { js: string; variable: number; paths: number } | null {
  let js = '';
  let variable = 0;
  let paths = 1;
  const groups: number[] = [1];
  let canRepeat = false;
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined || !('dDwW'.includes(next) || ESCAPABLE.includes(next))) return null;
      js += c + next;
      i += 2;
      canRepeat = true;
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') return null;
      for (; j < source.length && source[j] !== ']'; j++) {
        if (source[j] === '[') return null;
        if (source[j] === '\\') {
          const next = source[j + 1];
          if (next === undefined || !('dDwW'.includes(next) || ESCAPABLE.includes(next))) return null;
          j++;
        }
      }
      if (j >= source.length) return null;
      js += source.slice(i, j + 1);
      i = j + 1;
      canRepeat = true;
    } else if (c === '(') {
      if (source[i + 1] === '?') {
        if (source[i + 2] !== ':') return null;
        js += '(?:';
        i += 3;
      } else {
        // Nothing reads the groups: a group that captures nothing is cheaper for V8.
        js += '(?:';
        i++;
      }
      groups.push(1);
      canRepeat = false;
    } else if (c === '|') {
      groups[groups.length - 1]!++;
      js += c;
      i++;
      canRepeat = false;
    } else if (c === ')') {
      if (groups.length < 2) return null;
      paths *= groups.pop()!;
      js += c;
      i++;
      // A repeated group is where backtracking blows up; leave it to the linear engine.
      if ('*+?{'.includes(source[i] ?? '')) return null;
      canRepeat = false;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      if (!canRepeat) return null;
      let end = i + 1;
      if (c === '{') {
        const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(source.slice(i));
        if (!m) return null;
        end = i + m[0].length;
        if (m[2] !== undefined && m[3] !== m[1]) variable++;
      } else variable++;
      if (source[end] === '?' || source[end] === '+') return null;
      js += source.slice(i, end);
      i = end;
      canRepeat = false;
    } else {
      // `.` is any character but a newline in RE2; in JavaScript it would also refuse \r and two more.
      js += c === '.' ? '[^\\n]' : c;
      i++;
      canRepeat = c !== '^' && c !== '$';
    }
  }
  if (groups.length !== 1) return null;
  return { js, variable, paths: paths * groups[0]! };
}

/**
 * A test of whether a whole value matches a pattern of RE2 syntax, in time linear in the value.
 * The pattern is matched by RE2JS (a linear-time engine), or, where it lies in a plain subset
 * on which JavaScript's RegExp means the same and backtracks within a known bound, by V8 on values
 * short enough for that bound (a pattern with r variable repetitions may take |value|^(r+1)
 * steps); longer values go to RE2JS. Throws when the pattern is not of RE2 syntax.
 *
 * @example
 * const isCode = new PatternMatcher('[A-Z]{2}\\d{4}');
 * isCode.matches('AB1234') // true
 * isCode.matches('AB12345') // false: the whole value must match
 */
export class PatternMatcher {
  private readonly linear: RE2JS;
  /** The backtracking engine's RegExp, or null where only the linear engine is safe. */
  private readonly fast: RegExp | null = null;
  /** The longest value given to `fast`. */
  private readonly limit: number = -1;

  constructor(source: string) {
    this.linear = RE2JS.compile(source);
    const plain = plainSubset(source);
    if (plain === null || plain.paths > MAX_PATHS) return;
    try {
      this.fast = new RegExp(`^(?:${plain.js})$`, 'u');
    } catch {
      return;
    }
    this.limit =
      plain.variable === 0 ? Number.POSITIVE_INFINITY : Math.floor(MAX_STEPS ** (1 / (plain.variable + 1)));
  }

  /** Whether all of `text` matches the pattern. */
  matches(text: string): boolean {
    return this.fast !== null && text.length <= this.limit ? this.fast.test(text) : this.linear.matches(text);
  }
}

/**
 * `PatternMatcher` as a function.
 *
 * @example
 * const isCode = patternMatcher('[A-Z]{2}\\d{4}');
 * isCode('AB1234') // true
 */
export function patternMatcher(source: string): (text: string) => boolean {
  const matcher = new PatternMatcher(source);
  return (text) => matcher.matches(text);
}
