import { column, daysOfYear, type TDemoDataset, weightedCodes } from '../demo-dataset.ts';
import { clamp, createRng, roundTo } from '../prng.ts';
import { PREFECTURE_CITIES } from '../regions.ts';

/*
 * Daily air quality of every prefecture-level city for 2023, computed the way China's national
 * network reports it (HJ 633-2012): 24-hour means of PM2.5, PM10, NO2, SO2 and CO and the daily
 * maximum 8-hour mean of O3, each turned into an individual index (IAQI); the AQI is the largest,
 * and its pollutant is the primary pollutant when the AQI is above 50.
 *
 * The levels follow the broad geography: the heated north has high winter PM2.5 (with a spike at
 * the Spring Festival), the north-west has spring dust in PM10, the south and the plateau are
 * cleaner, and O3 peaks in summer. Weather persists for days (a log AR(1) factor per city).
 */

export const AIR_QUALITY_YEAR = 2023;

/** IAQI breakpoints per pollutant (HJ 633-2012, table 1: 24-hour means; O3 as 8-hour mean). */
const IAQI = [0, 50, 100, 150, 200, 300, 400, 500];
const BREAKPOINTS = {
  'PM2.5': [0, 35, 75, 115, 150, 250, 350, 500],
  PM10: [0, 50, 150, 250, 350, 420, 500, 600],
  O3: [0, 100, 160, 215, 265, 800],
  NO2: [0, 40, 80, 180, 280, 565, 750, 940],
  SO2: [0, 50, 150, 475, 800, 1600, 2100, 2620],
  CO: [0, 2, 4, 14, 24, 36, 48, 60],
} as const;
type TPollutant = keyof typeof BREAKPOINTS;

/** The individual index of one concentration; concentrations past the table count as 500. */
export function iaqi(pollutant: TPollutant, c: number): number {
  const bp = BREAKPOINTS[pollutant];
  for (let i = 1; i < bp.length; i++) {
    if (c <= bp[i]!) {
      const lo = bp[i - 1]!;
      return ((IAQI[i]! - IAQI[i - 1]!) / (bp[i]! - lo)) * (c - lo) + IAQI[i - 1]!;
    }
  }
  return 500;
}

const LEVELS: readonly (readonly [number, string])[] = [
  [50, '优'],
  [100, '良'],
  [150, '轻度污染'],
  [200, '中度污染'],
  [300, '重度污染'],
  [Number.POSITIVE_INFINITY, '严重污染'],
];
const levelOf = (aqi: number) => LEVELS.find(([max]) => aqi <= max)![1];

/** Provinces with central winter heating (north of the Qinling–Huaihe line). */
const HEATED = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '37',
  '41',
  '61',
  '62',
  '63',
  '64',
  '65',
]);
/** Typical annual mean PM2.5 (μg/m³) by province, and extra PM10 dust (north-west). */
const PM25_BASE: Record<string, number> = {
  '11': 32,
  '12': 40,
  '13': 42,
  '14': 40,
  '15': 26,
  '21': 33,
  '22': 30,
  '23': 27,
  '31': 28,
  '32': 33,
  '33': 25,
  '34': 36,
  '35': 21,
  '36': 30,
  '37': 39,
  '41': 45,
  '42': 36,
  '43': 35,
  '44': 21,
  '45': 26,
  '46': 13,
  '50': 33,
  '51': 32,
  '52': 23,
  '53': 21,
  '54': 12,
  '61': 40,
  '62': 29,
  '63': 26,
  '64': 30,
  '65': 42,
};
const DUSTY = new Set(['15', '62', '63', '64', '65']);

const DAY_OF_SPRING_FESTIVAL = 21; // 2023-01-22, day index from 1 January

type TCityState = {
  pm: number;
  pmBase: number;
  isHeated: boolean;
  isDusty: boolean;
  o3Base: number;
  no2Base: number;
  so2Base: number;
  coBase: number;
  ratio: number;
};

export function* airQualityRows(seed: number): Generator<readonly (string | number | null)[]> {
  const rng = createRng(seed);
  const days = daysOfYear(AIR_QUALITY_YEAR);
  const cities = PREFECTURE_CITIES;
  const states: TCityState[] = cities.map((c) => {
    const pmBase = (PM25_BASE[c.provinceCode] ?? 30) * rng.logNormal(0, 0.18);
    return {
      pm: rng.normal() * 0.5,
      pmBase,
      isHeated: HEATED.has(c.provinceCode),
      isDusty: DUSTY.has(c.provinceCode),
      o3Base: 95 * rng.logNormal(0, 0.12),
      no2Base: (15 + pmBase * 0.45) * rng.logNormal(0, 0.2),
      so2Base:
        (c.provinceCode === '14' || c.provinceCode === '15' || c.provinceCode === '64' ? 14 : 8) *
        rng.logNormal(0, 0.3),
      coBase: 0.55 * rng.logNormal(0, 0.2),
      ratio: (DUSTY.has(c.provinceCode) ? 2.1 : 1.6) * rng.logNormal(0, 0.1),
    };
  });
  for (let d = 0; d < days.length; d++) {
    const day = days[d]!;
    const winter = Math.cos((2 * Math.PI * (d - 10)) / 365); // +1 in mid January, -1 in mid July
    const summer = Math.cos((2 * Math.PI * (d - 175)) / 365);
    const isSpring = d >= 59 && d < 151;
    for (let i = 0; i < cities.length; i++) {
      const city = cities[i]!;
      const s = states[i]!;
      // Weather: a persistent, log-normal multiplier shared by the pollutants of a city and day.
      s.pm = 0.68 * s.pm + 0.42 * rng.normal();
      const weather = Math.exp(s.pm - 0.16);
      const seasonal = 1 + (s.isHeated ? 0.42 : 0.3) * winter;
      let festival = 1;
      if (s.isHeated && (d === DAY_OF_SPRING_FESTIVAL || d === DAY_OF_SPRING_FESTIVAL + 1)) festival = 1.7;
      const pm25 = Math.round(clamp(s.pmBase * seasonal * weather * festival, 2, 1000));
      const isDustDay = s.isDusty && isSpring && rng.chance(0.06);
      const dust = isDustDay ? rng.logNormal(Math.log(4), 0.4) : 1;
      const pm10 = Math.round(
        clamp(Math.max(pm25 * s.ratio * rng.logNormal(0, 0.12) * dust, pm25 + 2), 4, 2000),
      );
      const o3 = Math.round(
        clamp(s.o3Base * (1 + 0.42 * summer) * Math.exp(0.22 * rng.normal() - 0.15 * s.pm), 5, 800),
      );
      const no2 = Math.round(
        clamp(s.no2Base * (1 + 0.25 * winter) * Math.exp(0.5 * s.pm + 0.15 * rng.normal()), 2, 940),
      );
      const so2 = Math.round(
        clamp(
          s.so2Base * (1 + (s.isHeated ? 0.6 : 0.2) * winter) * Math.exp(0.3 * s.pm + 0.2 * rng.normal()),
          2,
          2620,
        ),
      );
      const co = roundTo(
        clamp(s.coBase * (1 + (s.isHeated ? 0.5 : 0.2) * winter) * Math.exp(0.35 * s.pm), 0.1, 60),
        1,
      );
      const indexes: [TPollutant, number][] = [
        ['PM2.5', iaqi('PM2.5', pm25)],
        ['PM10', iaqi('PM10', pm10)],
        ['O3', iaqi('O3', o3)],
        ['NO2', iaqi('NO2', no2)],
        ['SO2', iaqi('SO2', so2)],
        ['CO', iaqi('CO', co)],
      ];
      let top = indexes[0]!;
      for (const x of indexes) if (x[1] > top[1]) top = x;
      const aqi = Math.min(500, Math.ceil(top[1]));
      yield [
        day,
        city.code,
        city.name,
        city.provinceName,
        aqi,
        levelOf(aqi),
        aqi > 50 ? top[0] : null,
        pm25,
        pm10,
        o3,
        no2,
        so2,
        co,
      ];
    }
  }
}

const UG = 'μg/m³';

/** Cities per province: each city reports once a day, so a province weighs as many as it has. */
const CITIES_PER_PROVINCE = new Map<string, number>();
for (const c of PREFECTURE_CITIES) {
  CITIES_PER_PROVINCE.set(c.provinceName, (CITIES_PER_PROVINCE.get(c.provinceName) ?? 0) + 1);
}

const lognormal = (mean: number, sd: number) => ({ hints: { distribution: 'lognormal', mean, sd } as const });

export const airQuality: TDemoDataset = {
  provider: 'eeb',
  rows: airQualityRows,
  body: {
    slug: 'city-air-quality-daily',
    title: '城市空气质量日报',
    titleEn: 'Daily air quality of prefecture-level cities',
    description:
      '全国地级及以上城市逐日环境空气质量：空气质量指数（AQI）、质量级别、首要污染物及六项污染物浓度（PM2.5、PM10、O3 日最大 8 小时平均、NO2、SO2、CO），按《环境空气质量指数（AQI）技术规定》（HJ 633-2012）计算。城市代码为 GB/T 2260 六位行政区划代码。本数据为演示用合成数据。',
    descriptionEn:
      'Daily ambient air quality of every prefecture-level city: AQI, level, primary pollutant and the concentrations of six pollutants, computed as in HJ 633-2012. City codes are six-digit GB/T 2260 codes. Synthetic demo data.',
    theme: 'environment',
    tags: ['空气质量', 'air quality', 'AQI', 'PM2.5', '环境监测', 'environmental monitoring'],
    updateFrequency: 'daily',
    license: 'CC-BY-4.0',
    classification: 1,
    openness: 'open',
    columns: [
      column('day', 'date', '监测日期'),
      column('city_code', 'string', '城市行政区划代码（GB/T 2260 六位代码，地级及以上城市）', {
        codes: PREFECTURE_CITIES.map((c) => c.code),
      }),
      column('city_name', 'string', '城市名称', {
        codes: [...new Set(PREFECTURE_CITIES.map((c) => c.name))],
      }),
      column('province_name', 'string', '所属省级行政区名称', weightedCodes([...CITIES_PER_PROVINCE])),
      column('aqi', 'integer', '空气质量指数（AQI），各项污染物空气质量分指数的最大值', {
        min: 0,
        max: 500,
        ...lognormal(72, 33),
      }),
      column(
        'quality_level',
        'string',
        '空气质量指数类别：优、良、轻度污染、中度污染、重度污染、严重污染',
        weightedCodes([
          ['优', 26],
          ['良', 60],
          ['轻度污染', 12],
          ['中度污染', 1.9],
          ['重度污染', 0.6],
          ['严重污染', 0.1],
        ]),
      ),
      column(
        'primary_pollutant',
        'string',
        '首要污染物（AQI 大于 50 时）：PM2.5、PM10、O3、NO2、SO2、CO；AQI 不大于 50 时为空',
        {
          nullable: true,
          ...weightedCodes(
            [
              ['PM2.5', 23],
              ['PM10', 20],
              ['O3', 51],
              ['NO2', 6.5],
              ['SO2', 0.05],
              ['CO', 0.01],
            ],
            { nullShare: 0.26 },
          ),
        },
      ),
      column('pm25', 'integer', '细颗粒物（PM2.5）24 小时平均浓度', {
        unit: UG,
        min: 0,
        max: 1000,
        ...lognormal(32, 26),
      }),
      column('pm10', 'integer', '可吸入颗粒物（PM10）24 小时平均浓度', {
        unit: UG,
        min: 0,
        max: 2000,
        ...lognormal(55, 47),
      }),
      column('o3_8h', 'integer', '臭氧（O3）日最大 8 小时滑动平均浓度', {
        unit: UG,
        min: 0,
        max: 800,
        ...lognormal(98, 41),
      }),
      column('no2', 'integer', '二氧化氮（NO2）24 小时平均浓度', {
        unit: UG,
        min: 0,
        max: 940,
        ...lognormal(31, 14),
      }),
      column('so2', 'integer', '二氧化硫（SO2）24 小时平均浓度', {
        unit: UG,
        min: 0,
        max: 2620,
        ...lognormal(9.4, 5.6),
      }),
      column('co', 'number', '一氧化碳（CO）24 小时平均浓度', {
        unit: 'mg/m³',
        min: 0,
        max: 60,
        ...lognormal(0.58, 0.23),
      }),
    ],
  },
};
