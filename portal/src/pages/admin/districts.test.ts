import { describe, expect, it } from 'vitest';
import { DISTRICT_CODES, DISTRICT_TILES, tileGeoJson, valueRange, valuesByDistrict } from './districts.ts';

describe('district tile map', () => {
  it('places the 13 districts of 杭州市 on distinct tiles', () => {
    expect(DISTRICT_CODES).toHaveLength(13);
    for (const code of DISTRICT_CODES) expect(code).toMatch(/^3301\d\d$/);
    const cells = new Set(Object.values(DISTRICT_TILES).map(([c, r]) => `${c},${r}`));
    expect(cells.size).toBe(13);
  });

  it('draws each tile as a closed square named by its code, rows going down', () => {
    const geo = tileGeoJson(0);
    expect(geo.features.map((f) => f.properties.name).sort()).toEqual([...DISTRICT_CODES].sort());
    const xihu = geo.features.find((f) => f.properties.name === '330106')!.geometry.coordinates[0]!;
    expect(xihu[0]).toEqual(xihu[4]);
    expect(xihu).toContainEqual([1, -2]);
    expect(xihu).toContainEqual([2, -1]);
  });

  it('reads one value per district from a grouped query, summing repeats and ignoring others', () => {
    const values = valuesByDistrict(
      {
        columns: [{ name: 'district_code' }, { name: 'n' }],
        rows: [
          ['330102', 5],
          ['330102', 2],
          ['330106', '7'],
          ['110101', 100],
          ['330108', null],
        ],
      },
      'n',
    );
    expect(values.get('330102')).toBe(7);
    expect(values.get('330106')).toBe(7);
    expect(values.get('330108')).toBeNull();
    expect(values.has('110101')).toBe(false);
    expect(values.size).toBe(13);
  });

  it('gives all nulls when the result lacks the columns', () => {
    const values = valuesByDistrict({ columns: [{ name: 'x' }], rows: [['330102']] }, 'n');
    expect([...values.values()].every((v) => v === null)).toBe(true);
    expect(valueRange(values.values())).toEqual([0, 0]);
  });

  it('finds the range of the values present', () => {
    expect(valueRange([3, null, 9, 1])).toEqual([1, 9]);
  });
});
