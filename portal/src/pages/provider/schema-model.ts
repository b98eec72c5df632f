/*
 * The schema editor's model: what the form holds (strings, as typed) and how it becomes the body
 * of POST/PATCH /v1/datasets. The API checks everything; this only shapes values, so that its
 * errors (`body.columns.2.name`) point at the inputs the person typed into.
 */
import type { TFieldError } from '../../lib/api.ts';
import type { TColumn, TDataset } from '../../lib/types.ts';

export const COLUMN_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'timestamp'] as const;
export const SENSITIVITIES = ['public', 'personal', 'identifier', 'sensitive'] as const;
export const RULE_KINDS = [
  'pattern',
  'codes',
  'range',
  'unique',
  'required',
  'compare',
  'idCard',
  'uscc',
] as const;
export const COMPARE_OPS = ['<', '<=', '=', '>=', '>'] as const;
export const OPENNESS = ['open', 'conditional', 'closed'] as const;
export const SHARING = ['unconditional', 'conditional', 'none'] as const;

export type TRuleKind = (typeof RULE_KINDS)[number];
export type TColumnType = (typeof COLUMN_TYPES)[number];

export type TRuleDraft = {
  kind: TRuleKind;
  severity: 'error' | 'warning';
  pattern: string;
  codes: string;
  min: string;
  max: string;
  op: (typeof COMPARE_OPS)[number];
  column: string;
};

export type TColumnDraft = {
  /** Identity in the list while the person edits it (names change as they type). */
  key: number;
  name: string;
  type: TColumnType;
  description: string;
  unit: string;
  nullable: boolean;
  sensitivity: (typeof SENSITIVITIES)[number];
  min: string;
  max: string;
  codes: string;
  rules: TRuleDraft[];
};

export type TDatasetDraft = {
  slug: string;
  title: string;
  titleEn: string;
  description: string;
  descriptionEn: string;
  theme: string;
  tags: string;
  updateFrequency: string;
  license: string;
  classification: string;
  openness: (typeof OPENNESS)[number];
  sharing: '' | (typeof SHARING)[number];
  sharingBasis: string;
  columns: TColumnDraft[];
};

let nextKey = 0;

export const emptyRule = (kind: TRuleKind = 'required'): TRuleDraft => ({
  kind,
  severity: 'error',
  pattern: '',
  codes: '',
  min: '',
  max: '',
  op: '>=',
  column: '',
});

export const emptyColumn = (): TColumnDraft => ({
  key: ++nextKey,
  name: '',
  type: 'string',
  description: '',
  unit: '',
  nullable: false,
  sensitivity: 'public',
  min: '',
  max: '',
  codes: '',
  rules: [],
});

export const emptyDraft = (): TDatasetDraft => ({
  slug: '',
  title: '',
  titleEn: '',
  description: '',
  descriptionEn: '',
  theme: 'other',
  tags: '',
  updateFrequency: 'monthly',
  license: 'CC BY 4.0',
  classification: '1',
  openness: 'open',
  sharing: '',
  sharingBasis: '',
  columns: [emptyColumn()],
});

/**
 * A pasted list of codes: one a line (as copied from a spreadsheet column); a single line may
 * separate them with commas or 、 instead. Integer columns' codes are numbers where they are integers.
 */
export function parseCodes(text: string, type: TColumnType): (string | number)[] {
  const lines = text.split(/\r?\n/).map((s) => s.trim());
  const items = (lines.filter(Boolean).length === 1 ? lines.join('').split(/[,，、\t]/) : lines)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return type === 'integer' ? items.map((s) => (/^[+-]?\d+$/.test(s) ? Number(s) : s)) : items;
}

/** A number as typed, or the text itself (the API then says what is wrong with it). */
const numberOrText = (s: string): number | string => {
  const v = s.trim();
  return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
};

const isNumeric = (type: TColumnType) => type === 'integer' || type === 'number';

function ruleOut(r: TRuleDraft, type: TColumnType): Record<string, unknown> {
  const base = { kind: r.kind, severity: r.severity };
  switch (r.kind) {
    case 'pattern':
      return { ...base, pattern: r.pattern };
    case 'codes':
      return { ...base, codes: parseCodes(r.codes, type) };
    case 'range': {
      const bound = (s: string) => (isNumeric(type) ? numberOrText(s) : s.trim());
      return {
        ...base,
        ...(r.min.trim() ? { min: bound(r.min) } : {}),
        ...(r.max.trim() ? { max: bound(r.max) } : {}),
      };
    }
    case 'compare':
      return { ...base, op: r.op, column: r.column };
    default:
      return base;
  }
}

export function columnOut(c: TColumnDraft): TColumn {
  const codes = parseCodes(c.codes, c.type);
  return {
    name: c.name.trim(),
    type: c.type,
    description: c.description.trim(),
    ...(c.unit.trim() ? { unit: c.unit.trim() } : {}),
    nullable: c.nullable,
    sensitivity: c.sensitivity,
    ...(c.min.trim() ? { min: numberOrText(c.min) as number } : {}),
    ...(c.max.trim() ? { max: numberOrText(c.max) as number } : {}),
    ...(codes.length > 0 ? { codes } : {}),
    ...(c.rules.length > 0 ? { rules: c.rules.map((r) => ruleOut(r, c.type)) } : {}),
  };
}

/** The body of POST /v1/datasets (with the slug) or PATCH /v1/datasets/{id} (without). */
export function draftToBody(d: TDatasetDraft, isNew: boolean): Record<string, unknown> {
  const opt = (s: string) => (s.trim() ? s.trim() : undefined);
  const body: Record<string, unknown> = {
    ...(isNew ? { slug: d.slug.trim() } : {}),
    title: d.title.trim(),
    titleEn: opt(d.titleEn),
    description: d.description.trim(),
    descriptionEn: opt(d.descriptionEn),
    theme: d.theme,
    tags: d.tags
      .split(/[,，、]/)
      .map((s) => s.trim())
      .filter(Boolean),
    updateFrequency: d.updateFrequency,
    license: d.license.trim(),
    classification: Number(d.classification),
    openness: d.openness,
    sharing: d.sharing || undefined,
    sharingBasis: d.sharing && d.sharing !== 'unconditional' ? opt(d.sharingBasis) : undefined,
    columns: d.columns.map(columnOut),
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  // An edit states the basis outright: null clears one left from an earlier sharing attribute.
  if (!isNew && d.sharing === 'unconditional') body.sharingBasis = null;
  return body;
}

const codesText = (codes: (string | number)[] | undefined) => (codes ?? []).join('\n');
const boundText = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** The form for an entry the API holds. */
export function draftFromDataset(ds: TDataset): TDatasetDraft {
  return {
    slug: ds.slug,
    title: ds.title,
    titleEn: ds.titleEn ?? '',
    description: ds.description,
    descriptionEn: ds.descriptionEn ?? '',
    theme: ds.theme,
    tags: ds.tags.join(', '),
    updateFrequency: ds.updateFrequency,
    license: ds.license,
    classification: String(ds.classification),
    openness: ds.openness,
    sharing: ds.sharing,
    sharingBasis: ds.sharingBasis ?? '',
    columns: ds.columns.map((c) => ({
      key: ++nextKey,
      name: c.name,
      type: c.type,
      description: c.description,
      unit: c.unit ?? '',
      nullable: c.nullable,
      sensitivity: c.sensitivity,
      min: boundText(c.min),
      max: boundText(c.max),
      codes: codesText(c.codes),
      rules: (c.rules ?? []).map((r) => ({
        ...emptyRule(r.kind as TRuleKind),
        severity: r.severity === 'warning' ? 'warning' : 'error',
        pattern: typeof r.pattern === 'string' ? r.pattern : '',
        codes: codesText(r.codes as (string | number)[] | undefined),
        min: boundText(r.min),
        max: boundText(r.max),
        op: (r.op as TRuleDraft['op']) ?? '>=',
        column: typeof r.column === 'string' ? r.column : '',
      })),
    })),
  };
}

/**
 * The API's field errors by path without `body.` (`columns.2.name`). A code's error
 * (`columns.0.codes.3`) is kept under the list that holds it (`columns.0.codes`) as well; the first
 * message for a path wins.
 */
export function errorsByPath(errors: TFieldError[]): Map<string, string> {
  const out = new Map<string, string>();
  const put = (p: string, m: string) => {
    if (!out.has(p)) out.set(p, m);
  };
  for (const e of errors) {
    if (typeof e.path !== 'string') continue;
    const path = e.path.replace(/^body\./, '');
    put(path, e.message);
    const codes = /^(columns\.\d+\.(?:rules\.\d+\.)?codes)\.\d+$/.exec(path);
    if (codes) put(codes[1]!, e.message);
  }
  return out;
}
