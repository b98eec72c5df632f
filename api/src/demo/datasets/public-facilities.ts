import { column, dayNumber, isoDay, type TDemoDataset, weightedCodes } from '../demo-dataset.ts';
import { clamp, createRng, type Rng, roundTo } from '../prng.ts';
import { DEMO_CITY, DEMO_DISTRICTS, demoStreets } from '../regions.ts';

/*
 * Public service facilities of the demo city (杭州市): hospitals and clinics, schools, libraries,
 * sports venues, parks and care homes, placed in the real towns and sub-districts of each district
 * around an approximate district centre, more densely in the urban core.
 */

/** Approximate centre (lat, lon) and relative weight (population) of each district of 杭州市. */
const DISTRICT_GEO: Record<string, { lat: number; lon: number; spread: number; weight: number }> = {
  '330102': { lat: 30.255, lon: 120.17, spread: 0.03, weight: 13 },
  '330105': { lat: 30.32, lon: 120.14, spread: 0.03, weight: 12 },
  '330106': { lat: 30.26, lon: 120.08, spread: 0.05, weight: 11 },
  '330108': { lat: 30.2, lon: 120.2, spread: 0.025, weight: 5 },
  '330109': { lat: 30.16, lon: 120.27, spread: 0.1, weight: 20 },
  '330110': { lat: 30.4, lon: 119.98, spread: 0.1, weight: 13 },
  '330111': { lat: 30.05, lon: 119.96, spread: 0.12, weight: 8 },
  '330112': { lat: 30.23, lon: 119.72, spread: 0.18, weight: 6 },
  '330113': { lat: 30.42, lon: 120.3, spread: 0.06, weight: 8 },
  '330114': { lat: 30.3, lon: 120.49, spread: 0.06, weight: 6 },
  '330122': { lat: 29.8, lon: 119.69, spread: 0.12, weight: 4 },
  '330127': { lat: 29.61, lon: 119.04, spread: 0.18, weight: 3 },
  '330182': { lat: 29.47, lon: 119.28, spread: 0.15, weight: 4 },
};

/** 杭州市's bounding box: generated points stay inside it. */
const BOUNDS = { latMin: 29.19, latMax: 30.56, lonMin: 118.35, lonMax: 120.72 };

type TCategory = {
  name: string;
  weight: number;
  /** Name suffixes; a second facility of a kind in the same town is numbered (第二…). */
  kinds: readonly (readonly [suffix: string, weight: number, medianCapacity: number])[];
  unit: string;
  maxCapacity: number;
};

const CATEGORIES: readonly TCategory[] = [
  {
    name: '医院',
    weight: 14,
    unit: '床位',
    maxCapacity: 5000,
    kinds: [
      ['社区卫生服务中心', 6, 40],
      ['医院', 2, 300],
      ['中医院', 1, 200],
      ['妇幼保健院', 0.5, 150],
      ['口腔医院', 0.5, 30],
    ],
  },
  {
    name: '学校',
    weight: 34,
    unit: '学位',
    maxCapacity: 8000,
    kinds: [
      ['幼儿园', 5, 300],
      ['小学', 4, 1500],
      ['中学', 2.5, 1800],
      ['职业技术学校', 0.3, 2500],
    ],
  },
  {
    name: '图书馆',
    weight: 7,
    unit: '阅览座位',
    maxCapacity: 5000,
    kinds: [
      ['图书分馆', 4, 80],
      ['城市书房', 3, 40],
    ],
  },
  {
    name: '体育场馆',
    weight: 9,
    unit: '观众席位',
    maxCapacity: 80000,
    kinds: [
      ['全民健身中心', 3, 500],
      ['体育馆', 1.5, 3000],
      ['游泳馆', 1, 400],
      ['体育场', 0.4, 12000],
    ],
  },
  {
    name: '公园',
    weight: 22,
    unit: '日最大承载量（人次）',
    maxCapacity: 200000,
    kinds: [
      ['公园', 3, 5000],
      ['湿地公园', 0.6, 15000],
      ['口袋公园', 4, 800],
      ['滨河公园', 1, 4000],
    ],
  },
  {
    name: '养老机构',
    weight: 10,
    unit: '床位',
    maxCapacity: 3000,
    kinds: [
      ['颐养中心', 2, 200],
      ['养老服务中心', 3, 80],
    ],
  },
  {
    name: '文化馆',
    weight: 4,
    unit: '座位',
    maxCapacity: 5000,
    kinds: [
      ['文化站', 3, 150],
      ['文化中心', 1, 600],
    ],
  },
];

const NUMERALS = ['', '第二', '第三', '第四', '第五', '第六', '第七', '第八', '第九', '第十'];

/** A town's short name: 翠苑街道 → 翠苑, 三墩镇 → 三墩. */
const shortName = (street: string) => street.replace(/(街道|镇|乡|办事处)$/, '') || street;

export const PUBLIC_FACILITY_COUNT = 4200;

export function* publicFacilityRows(seed: number): Generator<readonly (string | number | null)[]> {
  const rng = createRng(seed);
  const streets = demoStreets();
  const districts = DEMO_DISTRICTS.filter(
    (d) => DISTRICT_GEO[d.code] && (streets.get(d.code)?.length ?? 0) > 0,
  );
  const districtWeights = districts.map((d) => [d, DISTRICT_GEO[d.code]!.weight] as const);
  const categoryWeights = CATEGORIES.map((c) => [c, c.weight] as const);
  const used = new Map<string, number>();
  // Each town gets a centre near its district's; its facilities cluster around it.
  const townCentres = new Map<string, { lat: number; lon: number }>();
  const first = dayNumber(1950, 1, 1);
  const last = dayNumber(2024, 6, 30);
  for (let i = 1; i <= PUBLIC_FACILITY_COUNT; i++) {
    const district = rng.weighted(districtWeights);
    const geo = DISTRICT_GEO[district.code]!;
    const street = rng.pick(streets.get(district.code)!);
    const category = rng.weighted(categoryWeights);
    const [suffix, , median] = rng.weighted(category.kinds.map((k) => [k, k[1]] as const));
    const base = `${shortName(street)}${suffix}`;
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    const name =
      n === 0
        ? base
        : n < NUMERALS.length
          ? `${shortName(street)}${NUMERALS[n]}${suffix}`
          : `${base}（${n + 1}）`;
    let centre = townCentres.get(district.code + street);
    if (!centre) {
      centre = { lat: geo.lat + geo.spread * rng.normal(), lon: geo.lon + geo.spread * 1.15 * rng.normal() };
      townCentres.set(district.code + street, centre);
    }
    const jitter = Math.min(0.02, geo.spread / 3);
    const lat = roundTo(clamp(centre.lat + jitter * rng.normal(), BOUNDS.latMin, BOUNDS.latMax), 6);
    const lon = roundTo(clamp(centre.lon + jitter * 1.15 * rng.normal(), BOUNDS.lonMin, BOUNDS.lonMax), 6);
    const opened = isoDay(openedDay(rng, first, last));
    const capacity = Math.round(clamp(rng.logNormal(Math.log(median), 0.6), 1, category.maxCapacity));
    yield [
      `F${DEMO_CITY.code.slice(0, 4)}${String(i).padStart(6, '0')}`,
      name,
      category.name,
      district.code,
      district.name,
      street,
      lat,
      lon,
      opened,
      capacity,
      category.unit,
    ];
  }
}

/** Opening days lean recent: most facilities were built after 2000. */
function openedDay(rng: Rng, first: number, last: number): number {
  const age = Math.min(1, rng.next() ** 1.8);
  return Math.round(last - age * (last - first));
}

/** Each district with the weight the generator places facilities by. */
const DISTRICT_SHARES = DEMO_DISTRICTS.map((d) => [d, DISTRICT_GEO[d.code]?.weight ?? 0] as const);

/** Capacity units with the summed weight of the categories counted in them. */
const UNIT_SHARES = new Map<string, number>();
for (const c of CATEGORIES) UNIT_SHARES.set(c.unit, (UNIT_SHARES.get(c.unit) ?? 0) + c.weight);

export const publicFacilities: TDemoDataset = {
  provider: 'planning',
  rows: publicFacilityRows,
  body: {
    slug: 'public-service-facilities',
    title: '公共服务设施',
    titleEn: 'Public service facilities',
    description: `${DEMO_CITY.name}医疗卫生、教育、图书馆、体育场馆、公园、养老及文化设施的名录：所属区县与街道（乡镇）、位置坐标（WGS-84）、建成开放日期及设计容量。本数据为演示用合成数据，名称与坐标不对应真实设施。`,
    descriptionEn: `Directory of the public service facilities of ${DEMO_CITY.nameEn}: healthcare, schools, libraries, sports venues, parks, care homes and cultural centres, with district, town, WGS-84 location, opening date and design capacity. Synthetic demo data; names and locations are not real facilities.`,
    theme: 'urban',
    tags: ['公共服务', 'public services', '设施', 'facilities', '地理信息', 'geodata'],
    updateFrequency: 'quarterly',
    license: 'CC-BY-4.0',
    classification: 1,
    openness: 'open',
    columns: [
      column('facility_id', 'string', '设施编号'),
      column('name', 'string', '设施名称'),
      column(
        'category',
        'string',
        '设施类别：医院、学校、图书馆、体育场馆、公园、养老机构、文化馆',
        weightedCodes(CATEGORIES.map((c) => [c.name, c.weight])),
      ),
      column(
        'district_code',
        'string',
        '所在区县行政区划代码（GB/T 2260 六位代码）',
        weightedCodes(DISTRICT_SHARES.map(([d, w]) => [d.code, w])),
      ),
      column(
        'district_name',
        'string',
        '所在区县名称',
        weightedCodes(DISTRICT_SHARES.map(([d, w]) => [d.name, w])),
      ),
      column('street_name', 'string', '所在街道（乡镇）名称'),
      column('latitude', 'number', '纬度（WGS-84）', {
        unit: '°',
        min: 3.86,
        max: 53.56,
        hints: { distribution: 'normal', mean: 30.21, sd: 0.22 },
      }),
      column('longitude', 'number', '经度（WGS-84）', {
        unit: '°',
        min: 73.5,
        max: 135.09,
        hints: { distribution: 'normal', mean: 120.06, sd: 0.32 },
      }),
      column('opened_date', 'date', '建成开放日期'),
      column(
        'capacity',
        'integer',
        '设计容量，计量单位见 capacity_unit（医院、养老机构为床位数，学校为学位数）',
        {
          min: 1,
          max: 200000,
          hints: { distribution: 'lognormal', mean: 1630, sd: 3800 },
        },
      ),
      column('capacity_unit', 'string', '设计容量的计量单位', weightedCodes([...UNIT_SHARES])),
    ],
  },
};
