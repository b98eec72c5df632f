import {
  column,
  dayNumber,
  INDUSTRY_CODES,
  INDUSTRY_DESCRIPTION,
  isoDay,
  type TDemoDataset,
  type TIndustry,
  weightedCodes,
  weightsOf,
} from '../demo-dataset.ts';
import { clamp, createRng, type Rng, roundTo } from '../prng.ts';
import { DEMO_CITY, DEMO_DISTRICT_CODES, DEMO_DISTRICTS } from '../regions.ts';

/*
 * Enterprise registrations of the demo city joined with their 2023 tax: a market regulator's
 * register (市场主体登记) with the tax bureau's figures shared in. Sizes are log-normal: most firms
 * have a handful of employees, a few have thousands; revenue scales with size and industry, tax
 * with revenue at an industry's effective rate, small taxpayers near zero.
 */

export const ENTERPRISE_COUNT = 30_000;
export const TAX_YEAR = 2023;

/** GB 32100-2015 code characters (no I, O, S, V, Z) and the weights of its check character. */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character GB 32100-2015 gives the first 17 characters of a code. */
export function usccCheckChar(body17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(body17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_CHARS[(31 - (sum % 31)) % 31]!;
}

/**
 * An 18-character code shaped like a unified social credit code (`91` + district + 9 characters)
 * whose check character is deliberately wrong, so it can never be a real enterprise's code.
 */
function syntheticCreditCode(rng: Rng, districtCode: string): string {
  let body = `91${districtCode}`;
  for (let i = 0; i < 9; i++) body += USCC_CHARS[rng.int(0, 30)];
  const valid = USCC_CHARS.indexOf(usccCheckChar(body));
  return body + USCC_CHARS[(valid + rng.int(1, 30)) % 31];
}

type TIndustryProfile = {
  weight: number;
  /** Revenue per employee, 万元 a year. */
  revenuePerHead: number;
  /** Tax as a share of revenue. */
  taxRate: number;
  words: readonly string[];
};

const PROFILES: Partial<Record<TIndustry, TIndustryProfile>> = {
  A: { weight: 1, revenuePerHead: 30, taxRate: 0.005, words: ['农业开发', '生态农业', '茶业', '农业科技'] },
  B: { weight: 0.1, revenuePerHead: 150, taxRate: 0.08, words: ['矿业'] },
  C: {
    weight: 12,
    revenuePerHead: 90,
    taxRate: 0.04,
    words: ['机械', '电子', '纺织', '新材料', '服饰', '五金', '食品', '智能装备', '包装'],
  },
  D: { weight: 0.4, revenuePerHead: 300, taxRate: 0.06, words: ['能源', '新能源', '水务'] },
  E: {
    weight: 5,
    revenuePerHead: 80,
    taxRate: 0.03,
    words: ['建设工程', '建筑工程', '装饰工程', '市政工程'],
  },
  F: { weight: 27, revenuePerHead: 200, taxRate: 0.015, words: ['商贸', '贸易', '供应链管理', '电子商务'] },
  G: { weight: 4, revenuePerHead: 70, taxRate: 0.03, words: ['物流', '运输', '货运代理'] },
  H: { weight: 4, revenuePerHead: 25, taxRate: 0.03, words: ['餐饮管理', '酒店管理', '餐饮'] },
  I: {
    weight: 10,
    revenuePerHead: 60,
    taxRate: 0.05,
    words: ['网络科技', '信息技术', '软件', '数字科技', '科技'],
  },
  J: { weight: 1, revenuePerHead: 200, taxRate: 0.1, words: ['投资管理', '资产管理', '融资租赁'] },
  K: { weight: 3, revenuePerHead: 250, taxRate: 0.09, words: ['房地产开发', '物业管理'] },
  L: {
    weight: 14,
    revenuePerHead: 50,
    taxRate: 0.04,
    words: ['企业管理咨询', '广告', '人力资源', '会展服务'],
  },
  M: { weight: 9, revenuePerHead: 45, taxRate: 0.04, words: ['检测技术', '生物科技', '设计', '工程技术'] },
  N: { weight: 1, revenuePerHead: 40, taxRate: 0.03, words: ['环境工程', '园林绿化'] },
  O: { weight: 4, revenuePerHead: 20, taxRate: 0.03, words: ['家政服务', '汽车维修', '美容'] },
  P: { weight: 1, revenuePerHead: 20, taxRate: 0.03, words: ['教育科技', '培训'] },
  Q: { weight: 0.5, revenuePerHead: 35, taxRate: 0.02, words: ['健康管理', '医疗'] },
  R: { weight: 2, revenuePerHead: 40, taxRate: 0.04, words: ['文化传媒', '影视', '体育发展'] },
};
const INDUSTRIES = Object.entries(PROFILES).map(([k, p]) => [k as TIndustry, p.weight] as const);

/** Firms by district; technology clusters in 滨江 and 余杭. */
const DISTRICT_WEIGHTS: Record<string, number> = {
  '330102': 12,
  '330105': 11,
  '330106': 12,
  '330108': 8,
  '330109': 14,
  '330110': 16,
  '330111': 5,
  '330112': 4,
  '330113': 7,
  '330114': 6,
  '330122': 2,
  '330127': 1.2,
  '330182': 2,
};
const TECH_HUBS = new Set(['330108', '330110']);

/** Enterprise types with their share, employee multiple, and how their names end. */
const TYPES: readonly (readonly [type: string, weight: number, sizeFactor: number, ending: string])[] = [
  ['有限责任公司（自然人投资或控股）', 62, 1, '有限公司'],
  ['有限责任公司（自然人独资）', 14, 0.6, '有限公司'],
  ['有限责任公司（国有独资）', 1, 12, '有限公司'],
  ['有限责任公司（外商投资、非独资）', 2.5, 6, '有限公司'],
  ['股份有限公司（非上市）', 2.5, 8, '股份有限公司'],
  ['股份有限公司（上市）', 0.2, 60, '股份有限公司'],
  ['个人独资企业', 9, 0.35, '工作室'],
  ['有限合伙企业', 5, 0.5, '合伙企业（有限合伙）'],
];

const TRADE_NAME_CHARS = [
  ...'鑫源恒达华瑞泰宏盛嘉博创新智远诚信德安丰汇通联亿天佳正和永优锦峰凯卓景翔晨朗弘宸澜钱湖之江禾云星辰启明睿航驰越',
];

const RATINGS: readonly (readonly [string, number])[] = [
  ['A', 15],
  ['B', 57],
  ['M', 20],
  ['C', 5],
  ['D', 3],
];

export function* enterpriseRows(seed: number): Generator<readonly (string | number | null)[]> {
  const rng = createRng(seed);
  const districts = DEMO_DISTRICTS.map((d) => [d.code, DISTRICT_WEIGHTS[d.code] ?? 1] as const);
  const techDistricts = districts.map(([c, w]) => [c, TECH_HUBS.has(c) ? w * 3 : w] as const);
  const names = new Set<string>();
  const codes = new Set<string>();
  const earliest = dayNumber(1993, 1, 1);
  const yearEnd = dayNumber(TAX_YEAR, 12, 31);
  const yearStart = dayNumber(TAX_YEAR, 1, 1);
  for (let i = 0; i < ENTERPRISE_COUNT; i++) {
    const industry = rng.weighted(INDUSTRIES);
    const profile = PROFILES[industry]!;
    const district = rng.weighted(industry === 'I' || industry === 'M' ? techDistricts : districts);
    const [type, , sizeFactor, ending] = rng.weighted(TYPES.map((t) => [t, t[1]] as const));
    let code = syntheticCreditCode(rng, district);
    while (codes.has(code)) code = syntheticCreditCode(rng, district);
    codes.add(code);
    let name = '';
    for (let tries = 0; name === '' || names.has(name); tries++) {
      const trade =
        rng.pick(TRADE_NAME_CHARS) +
        rng.pick(TRADE_NAME_CHARS) +
        (tries > 2 ? rng.pick(TRADE_NAME_CHARS) : '');
      name = `杭州${trade}${rng.pick(profile.words)}${ending}`;
    }
    names.add(name);
    // Registration: more firms are young; a firm registered during the tax year earns for part of it.
    const registered = Math.max(earliest, Math.round(yearEnd - rng.logNormal(Math.log(6 * 365), 0.85)));
    const activeShare = registered >= yearStart ? (yearEnd - registered + 1) / 365 : 1;
    const status = rng.weighted([
      ['存续', 92],
      ['吊销', 3],
      ['注销', 5],
    ] as const);
    const isActive = status === '存续';
    const employees =
      !isActive || rng.chance(0.1)
        ? 0
        : Math.round(clamp(rng.logNormal(Math.log(5), 1.35) * sizeFactor, 1, 100_000));
    const isDormant = !isActive || rng.chance(0.1);
    const revenue = isDormant
      ? 0
      : roundTo(
          clamp(
            Math.max(employees, 0.5) * profile.revenuePerHead * rng.logNormal(0, 0.7) * activeShare,
            0.01,
            50_000_000,
          ),
          2,
        );
    // Small-scale taxpayers (under 120 万元 a year here) pay little: VAT relief for small firms.
    const smallRelief = revenue < 120 ? 0.15 : 1;
    const tax =
      revenue === 0 || rng.chance(0.08)
        ? 0
        : roundTo(clamp(revenue * profile.taxRate * smallRelief * rng.logNormal(0, 0.45), 0, 5_000_000), 2);
    const capital = niceCapital(rng.logNormal(Math.log(100), 1.4) * Math.sqrt(sizeFactor));
    const rating = registered >= yearStart ? 'M' : rng.weighted(RATINGS);
    yield [
      code,
      name,
      district,
      industry,
      type,
      isoDay(registered),
      capital,
      status,
      employees,
      revenue,
      tax,
      rating,
      TAX_YEAR,
    ];
  }
}

/** Registered capital is usually a round figure: 10, 50, 100, 300, 1000 万元… */
function niceCapital(x: number): number {
  const v = clamp(x, 1, 5_000_000);
  const magnitude = 10 ** Math.floor(Math.log10(v));
  const steps = [1, 2, 3, 5, 10];
  const step = steps.find((s) => v <= s * magnitude * 1.2) ?? 10;
  return step * magnitude;
}

const INDUSTRY_WEIGHTS: Partial<Record<TIndustry, number>> = Object.fromEntries(INDUSTRIES);

export const enterprises: TDemoDataset = {
  provider: 'amr',
  rows: enterpriseRows,
  body: {
    slug: 'enterprise-registration-tax',
    title: '企业登记与纳税信息',
    titleEn: 'Enterprise registrations with tax',
    description: `${DEMO_CITY.name}市场主体登记信息（统一社会信用代码、名称、所在区县、行业、企业类型、成立日期、注册资本、登记状态）与市税务局共享的 ${TAX_YEAR} 年度经营与纳税数据（从业人数、营业收入、实缴税额、纳税信用等级）。营业收入和纳税额属于商业秘密，仅在授权运营沙箱内可用。本数据为演示用合成数据：代码校验位故意不合法，名称与真实企业无关。`,
    descriptionEn: `Enterprise register of ${DEMO_CITY.nameEn} (credit code, name, district, industry, type, registration date, registered capital, status) joined with the tax bureau's ${TAX_YEAR} figures (employees, revenue, tax paid, tax credit rating). Revenue and tax are trade secrets: usable only inside the licensed sandbox. Synthetic demo data: the credit codes carry a deliberately invalid check character and the names are not real enterprises.`,
    theme: 'economy',
    tags: ['企业', 'enterprises', '税收', 'tax', '市场主体', 'market entities', '授权运营', 'licensed use'],
    updateFrequency: 'yearly',
    license: '公共数据授权运营协议（仅限授权范围内于沙箱中计算使用，不得导出明细）',
    classification: 3,
    openness: 'conditional',
    sharing: 'conditional',
    sharingBasis: '《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条',
    columns: [
      column(
        'credit_code',
        'string',
        '统一社会信用代码格式的合成编号（18 位，校验位故意不合法，不对应任何真实主体）',
        {
          sensitivity: 'identifier',
        },
      ),
      column('name', 'string', '企业名称', { sensitivity: 'identifier' }),
      column(
        'district_code',
        'string',
        '登记所在区县行政区划代码（GB/T 2260 六位代码）',
        weightedCodes(weightsOf(DEMO_DISTRICT_CODES, DISTRICT_WEIGHTS, 1)),
      ),
      column(
        'industry',
        'string',
        INDUSTRY_DESCRIPTION,
        weightedCodes(weightsOf(INDUSTRY_CODES, INDUSTRY_WEIGHTS)),
      ),
      column(
        'enterprise_type',
        'string',
        '企业类型',
        weightedCodes(TYPES.map(([type, weight]) => [type, weight])),
      ),
      column('registration_date', 'date', '成立日期'),
      column('registered_capital', 'number', '注册资本', {
        unit: '万元',
        min: 0,
        max: 10_000_000,
        hints: { distribution: 'lognormal', mean: 310, sd: 830 },
      }),
      column(
        'operating_status',
        'string',
        '登记状态：存续、吊销、注销',
        weightedCodes([
          ['存续', 92],
          ['吊销', 3],
          ['注销', 5],
        ]),
      ),
      column('employees', 'integer', `${TAX_YEAR} 年末从业人数`, {
        unit: '人',
        min: 0,
        max: 100_000,
        hints: { distribution: 'lognormal', mean: 14, sd: 82 },
      }),
      column('annual_revenue', 'number', `${TAX_YEAR} 年度营业收入`, {
        unit: '万元',
        sensitivity: 'sensitive',
        min: 0,
        max: 100_000_000,
        hints: { distribution: 'lognormal', mean: 1670, sd: 13_000 },
      }),
      column('tax_paid', 'number', `${TAX_YEAR} 年度实缴税额（各税种合计）`, {
        unit: '万元',
        sensitivity: 'sensitive',
        min: 0,
        max: 10_000_000,
        hints: { distribution: 'lognormal', mean: 52, sd: 410 },
      }),
      column('tax_credit_rating', 'string', '纳税信用等级：A、B、M（新设立）、C、D', {
        sensitivity: 'sensitive',
        // Firms set up during the tax year are all M, so M weighs a little more than among the rest.
        ...weightedCodes([
          ['A', 15],
          ['B', 56],
          ['M', 21],
          ['C', 5],
          ['D', 3],
        ]),
      }),
      column('tax_year', 'integer', '经营与纳税数据所属年度', {
        min: 2000,
        max: 2100,
        ...weightedCodes([[TAX_YEAR, 1]]),
      }),
    ],
  },
};
