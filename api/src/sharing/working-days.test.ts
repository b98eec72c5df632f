import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  chinaDay,
  isOfficialYear,
  isWorkingDay,
  overdueBefore,
  workingDaysBetween,
} from './working-days.ts';

describe("China's official working days", () => {
  it('knows holidays and make-up working days (调休), not just weekends', () => {
    expect(isWorkingDay('2026-10-01')).toBe(false); // National Day
    expect(isWorkingDay('2026-10-05')).toBe(false); // a Monday in the holiday
    expect(isWorkingDay('2026-10-10')).toBe(true); // a Saturday worked in lieu
    expect(isWorkingDay('2026-09-20')).toBe(true); // a Sunday worked in lieu
    expect(isWorkingDay('2026-12-05')).toBe(false); // an ordinary Saturday
    expect(isWorkingDay('2026-12-07')).toBe(true);
  });

  it('counts a deadline across the National Day week, from the day in Beijing', () => {
    // 10:00 in Beijing on Monday 28 September 2026; five working days: 29, 30 Sep, 8, 9, 10 Oct.
    const d = addWorkingDays(new Date('2026-09-28T02:00:00Z'), 5);
    expect(d).toEqual({ due: new Date('2026-10-10T16:00:00Z'), isOfficial: true });
    // 23:30 UTC on 27 September is already the 28th in Beijing.
    expect(chinaDay(new Date('2026-09-27T23:30:00Z'))).toBe('2026-09-28');
    expect(addWorkingDays(new Date('2026-09-27T23:30:00Z'), 5).due).toEqual(d.due);
    expect(addWorkingDays(new Date('2026-09-28T02:00:00Z'), 0).due).toEqual(new Date('2026-09-28T16:00:00Z'));
    expect(() => addWorkingDays(new Date(), -1)).toThrow(RangeError);
  });

  it('says when a deadline runs into a year whose official schedule is not held yet', () => {
    expect(isOfficialYear(2026)).toBe(true);
    const year = 2099;
    expect(isOfficialYear(year)).toBe(false);
    expect(addWorkingDays(new Date(`${year}-03-02T02:00:00Z`), 3).isOfficial).toBe(false);
    expect(addWorkingDays(new Date('2026-12-10T02:00:00Z'), 3).isOfficial).toBe(true);
  });

  it('measures how many working days an answer took', () => {
    expect(workingDaysBetween(new Date('2026-09-28T02:00:00Z'), new Date('2026-10-10T09:00:00Z'))).toBe(5);
    expect(workingDaysBetween(new Date('2026-09-28T02:00:00Z'), new Date('2026-09-28T09:00:00Z'))).toBe(0);
    expect(workingDaysBetween(new Date('2026-10-01T02:00:00Z'), new Date('2026-10-07T09:00:00Z'))).toBe(0);
  });

  it('gives the one instant before which a start is overdue, for any start', () => {
    const at = new Date('2026-10-12T03:00:00Z');
    const cut = overdueBefore(at, 5);
    // From 28 September the deadline is 10 October (a Saturday worked); from 29 September it is 12 October.
    expect(cut).toEqual(new Date('2026-09-28T16:00:00Z'));
    const hour = 3_600_000;
    for (let from = Date.parse('2026-09-01T00:00:00Z'); from < at.getTime(); from += 5 * hour) {
      const isPast = addWorkingDays(new Date(from), 5).due < at;
      expect([new Date(from).toISOString(), isPast]).toEqual([
        new Date(from).toISOString(),
        from < cut.getTime(),
      ]);
    }
    // At the very end of the last day allowed, the deadline has not passed yet.
    const due = addWorkingDays(new Date('2026-09-28T02:00:00Z'), 5).due;
    expect(overdueBefore(due, 5).getTime()).toBeLessThanOrEqual(Date.parse('2026-09-28T02:00:00Z'));
    expect(overdueBefore(new Date(due.getTime() + 1), 5).getTime()).toBeGreaterThan(
      Date.parse('2026-09-28T02:00:00Z'),
    );
  });
});
