import type { TOperation } from './api.ts';

/** The apply form as the person fills it: columns chosen per dataset id, dates as yyyy-mm-dd. */
export type TApplicationDraft = {
  columns: Record<string, string[]>;
  operations: TOperation[];
  purpose: string;
  scenario: string;
  notBefore: string;
  notAfter: string;
  keyId: string;
};

const day = (d: Date) => d.toISOString().slice(0, 10);
/** An instant from a date input and a time of day; what the person typed when it is no date (the API says why). */
const at = (date: string, time: string) => {
  const d = new Date(`${date}T${time}+08:00`);
  return Number.isNaN(d.getTime()) ? date : d.toISOString();
};

/** A one-year term starting today (UTC days, as the date inputs show them). */
export function defaultTerm(now: Date): { notBefore: string; notAfter: string } {
  const end = new Date(now);
  end.setUTCFullYear(end.getUTCFullYear() + 1);
  return { notBefore: day(now), notAfter: day(end) };
}

/**
 * The `POST /v1/applications` body: the term runs from the start of its first day to the end of its
 * last, in China Standard Time (UTC+8), the platform's calendar.
 */
export function applicationBody(d: TApplicationDraft) {
  return {
    datasets: Object.entries(d.columns).map(([datasetId, columns]) => ({ datasetId, columns })),
    purpose: d.purpose.trim(),
    scenario: d.scenario.trim(),
    operations: d.operations,
    term: {
      notBefore: at(d.notBefore, '00:00:00'),
      notAfter: at(d.notAfter, '23:59:59.999'),
    },
    ...(d.keyId ? { keyId: d.keyId } : {}),
  };
}
