import days from 'chinese-days';

/** China Standard Time: deadlines are counted in the days of Beijing, whatever the server's zone. */
const CST_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The calendar day in China of an instant, `YYYY-MM-DD`. */
export const chinaDay = (at: Date) => new Date(at.getTime() + CST_MS).toISOString().slice(0, 10);

const known = new Map<number, boolean>();
/**
 * Whether the calendar holds the State Council's schedule for `year` (holidays and make-up working
 * days). It is published each November or December for the next year; for a year not yet held, only
 * weekends are days off, and what is computed says so.
 */
export function isOfficialYear(year: number): boolean {
  let k = known.get(year);
  if (k === undefined) {
    k = days.getHolidaysInRange(`${year}-01-01`, `${year}-12-31`, false).length > 0;
    known.set(year, k);
  }
  return k;
}

/** Whether a day (`YYYY-MM-DD`) is a working day: a weekday not a holiday, or a make-up working day (调休). */
export const isWorkingDay = (day: string) => days.isWorkday(day);

export type TDeadline = {
  /** The end of the last working day allowed (24:00 in China). */
  due: Date;
  /** False when a day counted lies in a year whose official schedule the calendar does not hold. */
  isOfficial: boolean;
};

/**
 * The deadline `n` working days after the day of `from` (that day itself not counted), in China's
 * official calendar.
 *
 * @example
 * addWorkingDays(new Date('2026-09-28T02:00:00Z'), 5).due // 2026-10-10T16:00:00Z: the National Day week is off, Saturday 10 October is worked
 */
export function addWorkingDays(from: Date, n: number): TDeadline {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('n must be a whole number of working days');
  let t = Date.parse(`${chinaDay(from)}T00:00:00Z`);
  let isOfficial = true;
  for (let counted = 0; counted < n; ) {
    t += DAY_MS;
    const day = new Date(t).toISOString().slice(0, 10);
    isOfficial &&= isOfficialYear(Number(day.slice(0, 4)));
    if (isWorkingDay(day)) counted++;
  }
  return { due: new Date(t + DAY_MS - CST_MS), isOfficial };
}

/**
 * Working days from the day after `from` up to and including the day of `to` (0 when `to` is on
 * `from`'s day or before): how long an answer took.
 */
export function workingDaysBetween(from: Date, to: Date): number {
  const end = Date.parse(`${chinaDay(to)}T00:00:00Z`);
  let n = 0;
  for (let t = Date.parse(`${chinaDay(from)}T00:00:00Z`) + DAY_MS; t <= end; t += DAY_MS) {
    if (isWorkingDay(new Date(t).toISOString().slice(0, 10))) n++;
  }
  return n;
}

/**
 * The instant before which a start must lie for its deadline of `n` working days to have passed
 * at `at`: `addWorkingDays(from, n).due < at` exactly when `from < overdueBefore(at, n)`. A deadline
 * depends only on the day of its start, so one instant answers for every start, and SQL can compare
 * a column with it instead of counting working days row by row.
 */
export function overdueBefore(at: Date, n: number): Date {
  let t = Date.parse(`${chinaDay(at)}T00:00:00Z`);
  while (addWorkingDays(new Date(t - CST_MS), n).due >= at) t -= DAY_MS;
  return new Date(t + DAY_MS - CST_MS);
}
