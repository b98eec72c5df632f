import {
  column,
  INDUSTRY_CODES,
  INDUSTRY_DESCRIPTION,
  type TDemoDataset,
  type TIndustry,
  weightedCodes,
  weightsOf,
} from '../demo-dataset.ts';
import { clamp, createRng, deriveSeed, permute32, roundTo } from '../prng.ts';
import { DEMO_CITY, DEMO_DISTRICT_CODES, DEMO_DISTRICTS } from '../regions.ts';

/*
 * Person-level social insurance contributions in the demo city, one row per insured person and
 * year. Wages are log-normal by industry and age and grow year on year; the contribution base is
 * the wage held between the year's floor and cap (60 % and 300 % of the average wage); the annual
 * contributions follow the usual rates (pension, medical, unemployment, work injury). Flexible
 * workers (灵活就业人员) pay alone at the floor or a little above it.
 */

export const SOCIAL_INSURANCE_YEARS = [2021, 2022, 2023] as const;
export const SOCIAL_INSURANCE_PERSONS = 50_000;

/** Contribution base floor and cap (CNY a month) by year. */
const BASE_LIMITS: Record<number, { floor: number; cap: number }> = {
  2021: { floor: 4000, cap: 19783 },
  2022: { floor: 4242, cap: 21210 },
  2023: { floor: 4462, cap: 22311 },
};
export const BASE_MIN = 4000;
export const BASE_MAX = 40000;

/** Employer rates: pension 16 %, medical 9.5 %, unemployment 0.5 %, work injury 0.4 %. */
const EMPLOYER_RATE = 0.264;
/** Employee rates: pension 8 %, medical 2 %, unemployment 0.5 %. */
const PERSONAL_RATE = 0.105;
/** Flexible workers: pension 20 %, medical 9 %, paid alone. */
const FLEXIBLE_RATE = 0.29;

/** Share of insured employment and wage relative to the city median, by GB/T 4754 section. */
const INDUSTRIES: readonly (readonly [TIndustry, number, number])[] = [
  ['A', 0.8, 0.7],
  ['B', 0.1, 1.1],
  ['C', 21, 1.0],
  ['D', 1, 1.45],
  ['E', 8, 0.95],
  ['F', 13, 0.9],
  ['G', 5, 1.0],
  ['H', 5, 0.72],
  ['I', 11, 1.85],
  ['J', 3.5, 1.9],
  ['K', 3, 1.2],
  ['L', 6, 1.0],
  ['M', 4.5, 1.5],
  ['N', 1.2, 0.85],
  ['O', 2.5, 0.75],
  ['P', 4.5, 1.25],
  ['Q', 4, 1.3],
  ['R', 1.4, 1.0],
  ['S', 4, 1.2],
];
const WAGE_FACTOR = new Map(INDUSTRIES.map(([k, , f]) => [k, f]));
const PUBLIC_SECTOR = new Set<TIndustry>(['P', 'Q', 'S']);
const FLEXIBLE_PRONE = new Set<TIndustry>(['F', 'H', 'O', 'G', 'L', 'R']);

/** Insured people by district (urban districts weigh more). */
const DISTRICT_WEIGHTS: Record<string, number> = {
  '330102': 13,
  '330105': 12,
  '330106': 13,
  '330108': 9,
  '330109': 16,
  '330110': 15,
  '330111': 5,
  '330112': 4,
  '330113': 7,
  '330114': 7,
  '330122': 2,
  '330127': 1.5,
  '330182': 2,
};

/** City median monthly wage in 2021, CNY. */
const MEDIAN_WAGE_2021 = 6900;

export function* socialInsuranceRows(seed: number): Generator<readonly (string | number | null)[]> {
  const rng = createRng(seed);
  const idKey = deriveSeed(seed, 'person-id');
  const districts = DEMO_DISTRICTS.map((d) => [d.code, DISTRICT_WEIGHTS[d.code] ?? 1] as const);
  const industries = INDUSTRIES.map(([k, w]) => [k, w] as const);
  const [firstYear, , lastYear] = SOCIAL_INSURANCE_YEARS;
  for (let p = 0; p < SOCIAL_INSURANCE_PERSONS; p++) {
    const personId = `P${permute32(p, idKey).toString(16).toUpperCase().padStart(8, '0')}`;
    const gender = rng.chance(0.54) ? '男' : '女';
    const birthYear = rng.int(gender === '男' ? 1962 : 1967, 2003);
    const district = rng.weighted(districts);
    const industry = rng.weighted(industries);
    const category =
      PUBLIC_SECTOR.has(industry) && rng.chance(0.6)
        ? '机关事业单位'
        : FLEXIBLE_PRONE.has(industry) && rng.chance(0.22)
          ? '灵活就业人员'
          : '企业职工';
    // Enters before the window for most, else in one of its years; leaves after it for most.
    const start = rng.chance(0.72) ? firstYear : rng.int(firstYear, lastYear);
    const end = rng.chance(0.82) ? lastYear : rng.int(start, lastYear);
    const personal = rng.logNormal(0, 0.42);
    const flexibleMultiple = rng.chance(0.7) ? 1 : 1 + rng.next();
    for (let year = start; year <= end; year++) {
      const age = year - birthYear;
      if (age < 18 || age > (gender === '男' ? 60 : 55)) continue;
      const limits = BASE_LIMITS[year]!;
      const ageFactor = 1 + 0.018 * Math.min(age - 18, 22) - 0.006 * Math.max(0, age - 45);
      const growth = 1.055 ** (year - 2021);
      const wage = MEDIAN_WAGE_2021 * WAGE_FACTOR.get(industry)! * ageFactor * growth * personal;
      const isFlexible = category === '灵活就业人员';
      const base = Math.round(
        clamp(isFlexible ? limits.floor * flexibleMultiple : wage, limits.floor, limits.cap),
      );
      const months =
        year === start && start > firstYear
          ? rng.int(1, 12)
          : year === end && end < lastYear
            ? rng.int(1, 12)
            : rng.chance(0.04)
              ? rng.int(6, 11)
              : 12;
      const employer = isFlexible ? 0 : roundTo(base * months * EMPLOYER_RATE, 2);
      const own = roundTo(base * months * (isFlexible ? FLEXIBLE_RATE : PERSONAL_RATE), 2);
      yield [year, personId, gender, birthYear, district, industry, category, base, months, employer, own];
    }
  }
}

/** Share of insured employment by section, for the industry column's weights (T: none). */
const INDUSTRY_SHARES: Partial<Record<TIndustry, number>> = Object.fromEntries(
  INDUSTRIES.map(([k, share]) => [k, share]),
);

export const socialInsurance: TDemoDataset = {
  provider: 'hrss',
  rows: socialInsuranceRows,
  body: {
    slug: 'social-insurance-contributions',
    title: '社会保险缴费明细',
    titleEn: 'Social insurance contributions (person level)',
    description: `${DEMO_CITY.name}参保人员按年度汇总的社会保险缴费明细（养老、医疗、失业、工伤）：缴费基数、缴费月数、单位与个人缴费额，以及参保人的性别、出生年份、参保区县、所属行业和参保类别。个人以假名化编号标识。含个人信息，仅在授权运营沙箱内可用（可用不可见），只允许输出满足最小单元数的统计结果。本数据为演示用合成数据。`,
    descriptionEn: `Annual social insurance contributions of insured persons in ${DEMO_CITY.nameEn} (pension, medical, unemployment, work injury): contribution base, months paid, employer and personal amounts, with gender, birth year, district, industry and insurance category. Persons carry pseudonymous ids. Personal data: usable only inside the licensed sandbox, and only aggregates above the minimum cell count leave it. Synthetic demo data.`,
    theme: 'social-security',
    tags: ['社会保险', 'social insurance', '就业', 'employment', '工资', 'wages', '授权运营', 'licensed use'],
    updateFrequency: 'monthly',
    license: '公共数据授权运营协议（仅限授权范围内于沙箱中计算使用，不得导出明细）',
    classification: 3,
    openness: 'conditional',
    sharing: 'conditional',
    sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
    columns: [
      column('year', 'integer', '缴费年度', {
        min: 2000,
        max: 2100,
        ...weightedCodes([
          [2021, 32],
          [2022, 34],
          [2023, 34],
        ]),
      }),
      column('person_id', 'string', '参保人假名化编号（非身份证号，不可逆推真实身份）', {
        sensitivity: 'identifier',
      }),
      column('gender', 'string', '性别：男、女', {
        sensitivity: 'personal',
        ...weightedCodes([
          ['男', 54],
          ['女', 46],
        ]),
      }),
      column('birth_year', 'integer', '出生年份', {
        sensitivity: 'personal',
        min: 1940,
        max: 2010,
        hints: { distribution: 'uniform', mean: 1984, sd: 11.5 },
      }),
      column(
        'district_code',
        'string',
        '参保区县行政区划代码（GB/T 2260 六位代码）',
        weightedCodes(weightsOf(DEMO_DISTRICT_CODES, DISTRICT_WEIGHTS, 1)),
      ),
      column(
        'industry',
        'string',
        INDUSTRY_DESCRIPTION,
        weightedCodes(weightsOf(INDUSTRY_CODES, INDUSTRY_SHARES)),
      ),
      column(
        'insured_category',
        'string',
        '参保类别：企业职工、机关事业单位、灵活就业人员',
        weightedCodes([
          ['企业职工', 85],
          ['机关事业单位', 7.6],
          ['灵活就业人员', 7.4],
        ]),
      ),
      column('contribution_base', 'integer', '月缴费基数（在当年缴费基数下限与上限之间）', {
        unit: '元/月',
        sensitivity: 'sensitive',
        min: BASE_MIN,
        max: BASE_MAX,
        hints: { distribution: 'lognormal', mean: 10_900, sd: 5200 },
      }),
      column('months_paid', 'integer', '当年实际缴费月数', {
        unit: '月',
        min: 1,
        max: 12,
        // Most pay the whole year; joiners, leavers and gaps spread over the rest.
        ...weightedCodes([
          [1, 0.9],
          [2, 0.9],
          [3, 0.9],
          [4, 0.9],
          [5, 0.9],
          [6, 1.5],
          [7, 1.5],
          [8, 1.5],
          [9, 1.5],
          [10, 1.5],
          [11, 1.6],
          [12, 86.4],
        ]),
      }),
      column(
        'employer_contribution',
        'number',
        '当年单位缴费合计（养老 16%、医疗 9.5%、失业 0.5%、工伤 0.4%）；灵活就业人员为 0',
        {
          unit: '元',
          sensitivity: 'sensitive',
          min: 0,
          max: 200000,
          hints: { distribution: 'lognormal', mean: 31_400, sd: 18_300 },
        },
      ),
      column(
        'personal_contribution',
        'number',
        '当年个人缴费合计（职工：养老 8%、医疗 2%、失业 0.5%；灵活就业人员：养老 20%、医疗 9%）',
        {
          unit: '元',
          sensitivity: 'sensitive',
          min: 0,
          max: 200000,
          hints: { distribution: 'lognormal', mean: 13_700, sd: 6500 },
        },
      ),
    ],
  },
};
