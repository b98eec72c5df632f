/*
 * A tile map of the demo city's districts (杭州市, GB/T 2260 codes): one square per district, placed
 * by hand roughly where it lies (north up). There are no boundaries offline, so it is a schematic,
 * not a map of borders.
 */

/** Column and row (row 0 at the top) of each district's square. */
export const DISTRICT_TILES: Readonly<Record<string, readonly [col: number, row: number]>> = {
  '330110': [1, 0], // 余杭区
  '330105': [2, 0], // 拱墅区
  '330113': [3, 0], // 临平区
  '330112': [0, 1], // 临安区
  '330106': [1, 1], // 西湖区
  '330102': [2, 1], // 上城区
  '330114': [3, 1], // 钱塘区
  '330111': [1, 2], // 富阳区
  '330108': [2, 2], // 滨江区
  '330109': [3, 2], // 萧山区
  '330122': [1, 3], // 桐庐县
  '330127': [0, 4], // 淳安县
  '330182': [1, 4], // 建德市
};

export const DISTRICT_CODES = Object.keys(DISTRICT_TILES);

type TPolygon = { type: 'Polygon'; coordinates: [number, number][][] };
export type TTileGeoJson = {
  type: 'FeatureCollection';
  features: { type: 'Feature'; properties: { name: string }; geometry: TPolygon }[];
};

/**
 * The tiles as GeoJSON squares keyed by district code, for ECharts' map series. The y axis of
 * GeoJSON points up, so a row further down is a lower y; a gap between squares keeps them apart.
 */
export function tileGeoJson(gap = 0.06): TTileGeoJson {
  return {
    type: 'FeatureCollection',
    features: Object.entries(DISTRICT_TILES).map(([code, [col, row]]) => {
      const [x0, x1, y0, y1] = [col + gap, col + 1 - gap, -row - 1 + gap, -row - gap];
      return {
        type: 'Feature',
        properties: { name: code },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [x0, y0],
              [x1, y0],
              [x1, y1],
              [x0, y1],
              [x0, y0],
            ],
          ],
        },
      };
    }),
  };
}

/**
 * One value per district from an open-data query result grouped by `district_code`: the named
 * column of each row, summed where a code repeats; districts without a row are null, codes outside
 * the layout are left out.
 */
export function valuesByDistrict(
  result: { columns: { name: string }[]; rows: unknown[][] },
  valueColumn: string,
): Map<string, number | null> {
  const ci = result.columns.findIndex((c) => c.name === 'district_code');
  const vi = result.columns.findIndex((c) => c.name === valueColumn);
  const out = new Map<string, number | null>(DISTRICT_CODES.map((c) => [c, null]));
  if (ci < 0 || vi < 0) return out;
  for (const row of result.rows) {
    const code = String(row[ci]);
    const v = Number(row[vi]);
    if (!out.has(code) || row[vi] === null || !Number.isFinite(v)) continue;
    out.set(code, (out.get(code) ?? 0) + v);
  }
  return out;
}

/** The smallest and largest of the values present, for the legend; [0, 0] when there are none. */
export function valueRange(values: Iterable<number | null>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}
