import type { z } from '@hono/zod-openapi';
import type { ZCreateDatasetBody } from '../catalogue/dataset-input.ts';
import type { TColumn, TColumnHints } from '../catalogue/dataset-schema.ts';
import type { TCell } from './csv-chunks.ts';
import type { TDemoOrgKey } from './demo-accounts.ts';

/** A demo catalogue entry: who publishes it, its registration, and (unless closed) its rows. */
export type TDemoDataset = {
  provider: TDemoOrgKey;
  body: z.input<typeof ZCreateDatasetBody>;
  /** The rows in column order, drawn lazily from `seed`; absent for a metadata-only entry. */
  rows?: (seed: number) => Iterable<readonly TCell[]>;
};

type TColumnOptions = Partial<Pick<TColumn, 'unit' | 'nullable' | 'min' | 'max' | 'codes' | 'hints'>> & {
  sensitivity?: TColumn['sensitivity'];
};

/**
 * A column definition; public and not nullable unless said otherwise. `codes` and `hints` are what
 * the provider publishes about the values (the sandbox groups by coded columns and draws dummy
 * tables from the hints), so they describe the generator's output, never one seed's rows.
 */
export function column(
  name: string,
  type: TColumn['type'],
  description: string,
  opts: TColumnOptions = {},
): TColumn {
  return {
    name,
    type,
    description,
    nullable: opts.nullable ?? false,
    sensitivity: opts.sensitivity ?? 'public',
    ...(opts.unit !== undefined ? { unit: opts.unit } : {}),
    ...(opts.min !== undefined ? { min: opts.min } : {}),
    ...(opts.max !== undefined ? { max: opts.max } : {}),
    ...(opts.codes !== undefined ? { codes: opts.codes } : {}),
    ...(opts.hints !== undefined ? { hints: opts.hints } : {}),
  };
}

/**
 * Column options for a code list given as codes with their relative frequencies, plus other hints.
 *
 * @example
 * column('gender', 'string', '性别', weightedCodes([['男', 54], ['女', 46]]))
 */
export function weightedCodes<T extends string | number>(
  entries: readonly (readonly [code: T, weight: number])[],
  hints: Omit<TColumnHints, 'weights'> = {},
): { codes: T[]; hints: TColumnHints } {
  return { codes: entries.map(([code]) => code), hints: { ...hints, weights: entries.map(([, w]) => w) } };
}

/** Code-weight pairs for `codes`, the weight of each looked up in `weights` (`otherwise` when absent). */
export const weightsOf = <T extends string>(
  codes: readonly T[],
  weights: Readonly<Partial<Record<T, number>>>,
  otherwise = 0,
): [T, number][] => codes.map((c) => [c, weights[c] ?? otherwise]);

/** `YYYY-MM-DD` of every day of a year, in order. */
export function daysOfYear(year: number): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(year, 0, 1); new Date(t).getUTCFullYear() === year; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** `YYYY-MM-DD` of a UTC day number (days since 1970-01-01). */
export const isoDay = (dayNumber: number) => new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);

/** The day number (days since 1970-01-01) of a calendar date. */
export const dayNumber = (year: number, month: number, day: number) =>
  Date.UTC(year, month - 1, day) / 86_400_000;

/** GB/T 4754-2017 sections (门类) with their Chinese names. */
export const INDUSTRY_SECTIONS = {
  A: '农、林、牧、渔业',
  B: '采矿业',
  C: '制造业',
  D: '电力、热力、燃气及水生产和供应业',
  E: '建筑业',
  F: '批发和零售业',
  G: '交通运输、仓储和邮政业',
  H: '住宿和餐饮业',
  I: '信息传输、软件和信息技术服务业',
  J: '金融业',
  K: '房地产业',
  L: '租赁和商务服务业',
  M: '科学研究和技术服务业',
  N: '水利、环境和公共设施管理业',
  O: '居民服务、修理和其他服务业',
  P: '教育',
  Q: '卫生和社会工作',
  R: '文化、体育和娱乐业',
  S: '公共管理、社会保障和社会组织',
  T: '国际组织',
} as const;
export type TIndustry = keyof typeof INDUSTRY_SECTIONS;
/** The section codes A to T: the code list of an industry column. */
export const INDUSTRY_CODES = Object.keys(INDUSTRY_SECTIONS) as TIndustry[];

/** The column description of an industry column: the code list spelled out. */
export const INDUSTRY_DESCRIPTION = `所属行业，国民经济行业分类（GB/T 4754-2017）门类代码：${Object.entries(
  INDUSTRY_SECTIONS,
)
  .map(([k, v]) => `${k} ${v}`)
  .join('；')}`;
