import { describe, expect, it } from 'vitest';
import type { TDataset } from '../../lib/types.ts';
import {
  draftFromDataset,
  draftToBody,
  emptyColumn,
  emptyDraft,
  emptyRule,
  errorsByPath,
  parseCodes,
} from './schema-model.ts';

describe('parseCodes', () => {
  it('takes one code a line, as pasted from a spreadsheet column, without blanks', () => {
    expect(parseCodes('男\r\n女\n\n 未知 \n', 'string')).toEqual(['男', '女', '未知']);
  });
  it('splits a single line on commas or 、', () => {
    expect(parseCodes('A, B，C、D', 'string')).toEqual(['A', 'B', 'C', 'D']);
  });
  it('makes integers of an integer column numbers and leaves anything else for the API to refuse', () => {
    expect(parseCodes('330102\n+7\nx1', 'integer')).toEqual([330102, 7, 'x1']);
    expect(parseCodes('007', 'string')).toEqual(['007']);
  });
});

describe('draftToBody', () => {
  it('builds a create body with typed bounds, code lists and rules, leaving blanks out', () => {
    const d = emptyDraft();
    Object.assign(d, { slug: 'x-y', title: ' 标题 ', description: '说明', tags: '甲, 乙、丙' });
    d.columns = [
      {
        ...emptyColumn(),
        name: 'gender',
        codes: '男\n女',
        rules: [{ ...emptyRule('pattern'), pattern: '.' }],
      },
      {
        ...emptyColumn(),
        name: 'age',
        type: 'integer',
        min: '0',
        max: '150',
        rules: [{ ...emptyRule('range'), min: '18', severity: 'warning' }],
      },
    ];
    const body = draftToBody(d, true);
    expect(body).toMatchObject({
      slug: 'x-y',
      title: '标题',
      tags: ['甲', '乙', '丙'],
      classification: 1,
      columns: [
        {
          name: 'gender',
          codes: ['男', '女'],
          rules: [{ kind: 'pattern', severity: 'error', pattern: '.' }],
        },
        { name: 'age', min: 0, max: 150, rules: [{ kind: 'range', severity: 'warning', min: 18 }] },
      ],
    });
    expect(body).not.toHaveProperty('titleEn');
    expect(body).not.toHaveProperty('sharing');
    expect(body.columns as unknown[]).not.toContainEqual(expect.objectContaining({ unit: '' }));
  });

  it('keeps a basis only for conditional or no sharing; an edit to unconditional clears it', () => {
    const d = { ...emptyDraft(), openness: 'closed' as const, sharing: 'none' as const, sharingBasis: '法' };
    expect(draftToBody(d, true)).toMatchObject({ sharing: 'none', sharingBasis: '法' });
    const u = { ...d, sharing: 'unconditional' as const };
    expect(draftToBody(u, true)).not.toHaveProperty('sharingBasis');
    expect(draftToBody(u, false)).toMatchObject({ sharingBasis: null });
    expect(draftToBody(u, false)).not.toHaveProperty('slug');
  });

  it('round-trips an entry the API holds', () => {
    const ds = {
      slug: 's',
      title: 't',
      titleEn: null,
      description: 'd',
      descriptionEn: null,
      theme: 'health',
      tags: ['a'],
      updateFrequency: 'daily',
      license: 'L',
      classification: 2,
      openness: 'conditional',
      sharing: 'conditional',
      sharingBasis: 'b',
      columns: [
        {
          name: 'end_date',
          type: 'date',
          description: '',
          nullable: true,
          sensitivity: 'public',
          codes: undefined,
          rules: [{ kind: 'compare', severity: 'warning', op: '>=', column: 'start_date' }],
        },
      ],
    } as unknown as TDataset;
    const body = draftToBody(draftFromDataset(ds), false);
    expect(body).toMatchObject({
      classification: 2,
      sharingBasis: 'b',
      columns: [{ name: 'end_date', rules: [{ kind: 'compare', op: '>=', column: 'start_date' }] }],
    });
  });
});

describe('errorsByPath', () => {
  it('puts each error under its input, and a code error under the list that holds it', () => {
    const m = errorsByPath([
      { path: 'body.columns.2.name', message: 'bad name' },
      { path: 'body.columns.0.codes.3', message: 'duplicate' },
      { path: 'body.columns.1.rules.0.pattern', message: 'not RE2' },
      { path: 'body.columns.2.name', message: 'second' },
    ]);
    expect(m.get('columns.2.name')).toBe('bad name');
    expect(m.get('columns.0.codes')).toBe('duplicate');
    expect(m.get('columns.1.rules.0.pattern')).toBe('not RE2');
    expect(m.has('columns.1.rules.0')).toBe(false);
  });
});
