import {
  column,
  dayNumber,
  daysOfYear,
  type TDemoDataset,
  weightedCodes,
  weightsOf,
} from '../demo-dataset.ts';
import { clamp, createRng, roundTo } from '../prng.ts';
import { DEMO_CITY, DEMO_DISTRICT_CODES, DEMO_DISTRICTS } from '../regions.ts';

/*
 * Daily boardings of the demo city's bus lines in 2023. Weekends and public holidays (with the
 * official make-up workdays) are quieter, the Spring Festival much quieter and the school summer a
 * little; the Asian Games (23 September – 8 October 2023, held in 杭州) lift ridership; rainy days
 * dampen it city-wide.
 */

export const BUS_YEAR = 2023;
export const BUS_LINE_COUNT = 160;

const d = (m: number, day: number) => dayNumber(BUS_YEAR, m, day);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** 2023 public holidays and the weekend days worked in exchange (国务院办公厅 2022 年 12 月通知). */
const HOLIDAYS = new Set([
  d(1, 1),
  d(1, 2),
  ...range(d(1, 21), d(1, 27)),
  d(4, 5),
  ...range(d(4, 29), d(5, 3)),
  ...range(d(6, 22), d(6, 24)),
  ...range(d(9, 29), d(10, 6)),
]);
const MAKE_UP_WORKDAYS = new Set([d(1, 28), d(1, 29), d(4, 23), d(5, 6), d(6, 25), d(10, 7), d(10, 8)]);
const SPRING_FESTIVAL = range(d(1, 18), d(1, 31));
const ASIAN_GAMES = { from: d(9, 23), to: d(10, 8) };
const SUMMER_BREAK = { from: d(7, 8), to: d(8, 31) };

const DISTRICT_WEIGHTS: Record<string, number> = {
  '330102': 14,
  '330105': 13,
  '330106': 13,
  '330108': 7,
  '330109': 12,
  '330110': 11,
  '330111': 4,
  '330112': 3,
  '330113': 6,
  '330114': 5,
  '330122': 2,
  '330127': 1.5,
  '330182': 2,
};

type TLine = {
  id: string;
  name: string;
  type: string;
  district: string;
  weekday: number;
  lengthKm: number;
  tripsWeekday: number;
  commuter: number;
};

function makeLines(rng: ReturnType<typeof createRng>): TLine[] {
  const districts = DEMO_DISTRICTS.map((x) => [x.code, DISTRICT_WEIGHTS[x.code] ?? 1] as const);
  const numbers = new Set<number>();
  const lines: TLine[] = [];
  for (let i = 0; i < BUS_LINE_COUNT; i++) {
    const kind = i < 8 ? 'brt' : i < 14 ? 'night' : 'regular';
    let name: string;
    if (kind === 'brt') name = `B${i + 1}路`;
    else if (kind === 'night') name = `夜${i - 7}路`;
    else {
      let n = rng.int(1, 599);
      while (numbers.has(n)) n = rng.int(1, 599);
      numbers.add(n);
      name = `${n}路`;
    }
    const district = rng.weighted(districts);
    const weekday =
      kind === 'brt'
        ? rng.logNormal(Math.log(26000), 0.35)
        : kind === 'night'
          ? rng.logNormal(Math.log(600), 0.4)
          : rng.logNormal(Math.log(7000), 0.65);
    const lengthKm = roundTo(kind === 'brt' ? 20 + 12 * rng.next() : 8 + 22 * rng.next(), 1);
    const load = kind === 'night' ? 15 : 45 + 30 * rng.next();
    lines.push({
      id: `BUS${String(i + 1).padStart(4, '0')}`,
      name,
      type: kind === 'brt' ? '快速公交' : kind === 'night' ? '夜间线路' : '常规线路',
      district,
      weekday,
      lengthKm,
      tripsWeekday: Math.round(clamp(weekday / load, 12, 400)),
      commuter: kind === 'night' ? 0 : 0.15 + 0.2 * rng.next(),
    });
  }
  return lines;
}

export function* busRidershipRows(seed: number): Generator<readonly (string | number | null)[]> {
  const rng = createRng(seed);
  const lines = makeLines(rng);
  const days = daysOfYear(BUS_YEAR);
  const first = d(1, 1);
  for (let i = 0; i < days.length; i++) {
    const day = first + i;
    const weekday = new Date(day * 86_400_000).getUTCDay();
    const isHoliday = HOLIDAYS.has(day);
    const isOffDay = isHoliday || ((weekday === 0 || weekday === 6) && !MAKE_UP_WORKDAYS.has(day));
    let cityFactor = rng.chance(0.16) ? 0.88 : 1;
    if (SPRING_FESTIVAL.includes(day)) cityFactor *= 0.55;
    if (day >= SUMMER_BREAK.from && day <= SUMMER_BREAK.to) cityFactor *= 0.93;
    if (day >= ASIAN_GAMES.from && day <= ASIAN_GAMES.to) cityFactor *= 1.12;
    for (const line of lines) {
      // Commuter-heavy lines lose more on days off; holidays bring some leisure riders back.
      const offFactor = isOffDay ? 1 - line.commuter * 1.4 + (isHoliday ? 0.08 : 0) : 1;
      const boardings = Math.round(
        clamp(line.weekday * offFactor * cityFactor * rng.logNormal(0, 0.06), 0, 500_000),
      );
      const trips = Math.round(
        clamp(line.tripsWeekday * (isOffDay ? 0.85 : 1) * rng.logNormal(0, 0.02), 1, 1000),
      );
      yield [
        days[i]!,
        line.id,
        line.name,
        line.type,
        line.district,
        trips,
        boardings,
        roundTo(trips * line.lengthKm, 1),
      ];
    }
  }
}

/** The line ids the generator gives its lines: BUS0001 to BUS0160. */
const LINE_IDS = Array.from({ length: BUS_LINE_COUNT }, (_, i) => `BUS${String(i + 1).padStart(4, '0')}`);

export const busRidership: TDemoDataset = {
  provider: 'transport',
  rows: busRidershipRows,
  body: {
    slug: 'bus-ridership-daily',
    title: '公交线路日客运量',
    titleEn: 'Daily bus ridership by line',
    description: `${DEMO_CITY.name}公交线路逐日运营数据：线路、线路类型、主要服务区县、营运班次、刷卡与扫码乘车人次及营运里程。本数据为演示用合成数据。`,
    descriptionEn: `Daily operations of the bus lines of ${DEMO_CITY.nameEn}: line, type, main district served, trips run, boardings (card and QR code) and kilometres operated. Synthetic demo data.`,
    theme: 'transport',
    tags: ['公共交通', 'public transport', '公交', 'bus', '客流', 'ridership'],
    updateFrequency: 'daily',
    license: 'CC-BY-4.0',
    classification: 1,
    openness: 'open',
    columns: [
      column('day', 'date', '运营日期'),
      column('line_id', 'string', '线路编号', { codes: LINE_IDS }),
      column('line_name', 'string', '线路名称'),
      column(
        'line_type',
        'string',
        '线路类型：常规线路、快速公交、夜间线路',
        weightedCodes([
          ['常规线路', BUS_LINE_COUNT - 14],
          ['快速公交', 8],
          ['夜间线路', 6],
        ]),
      ),
      column(
        'district_code',
        'string',
        '主要服务区县行政区划代码（GB/T 2260 六位代码）',
        weightedCodes(weightsOf(DEMO_DISTRICT_CODES, DISTRICT_WEIGHTS, 1)),
      ),
      column('trips', 'integer', '当日营运班次', {
        unit: '班次',
        min: 0,
        max: 1000,
        hints: { distribution: 'lognormal', mean: 133, sd: 93 },
      }),
      column('boardings', 'integer', '当日乘车人次（刷卡、扫码及投币合计）', {
        unit: '人次',
        min: 0,
        max: 500_000,
        hints: { distribution: 'lognormal', mean: 7400, sd: 6700 },
      }),
      column('operating_km', 'number', '当日营运里程', {
        unit: 'km',
        min: 0,
        max: 100_000,
        hints: { distribution: 'lognormal', mean: 2700, sd: 2350 },
      }),
    ],
  },
};
