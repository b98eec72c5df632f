import { useEffect, useRef, useState } from 'preact/hooks';
import { DataTable, ErrorNote, Field, Loading, useLoad } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { fmtNumber, lang, pick, t, useLang } from '../../lib/i18n.ts';
import type { TDataset } from '../../lib/types.ts';
import { DISTRICT_CODES, tileGeoJson, valueRange, valuesByDistrict } from './districts.ts';

/** What the map can show: an aggregate over an open demo dataset, grouped by its district code. */
const MEASURES = {
  boardings: { dataset: 'bus-ridership-daily', fn: 'sum', column: 'boardings' },
  lines: { dataset: 'bus-ridership-daily', fn: 'count_lines', column: 'line_id' },
  facilities: { dataset: 'public-service-facilities', fn: 'count', column: null },
} as const;
type TMeasure = keyof typeof MEASURES;

type TQueryResult = { columns: { name: string }[]; rows: unknown[][] };

/** The open-data query for a measure: one row per district code, the value as `v`. */
function queryFor(m: TMeasure) {
  const spec = MEASURES[m];
  if (spec.fn === 'count_lines')
    // Lines do not change district: the day count of each line is the same, so count its (line, district) pairs.
    return { select: ['district_code', 'line_id'], groupBy: ['district_code', 'line_id'], limit: 10_000 };
  return {
    select: ['district_code'],
    groupBy: ['district_code'],
    aggregates: [spec.fn === 'sum' ? { fn: 'sum', column: spec.column, as: 'v' } : { fn: 'count', as: 'v' }],
    limit: 100,
  };
}

/** Rows of (district, line) pairs become one count per district. */
function countPairs(r: TQueryResult): TQueryResult {
  const counts = new Map<string, number>();
  for (const row of r.rows) counts.set(String(row[0]), (counts.get(String(row[0])) ?? 0) + 1);
  return { columns: [{ name: 'district_code' }, { name: 'v' }], rows: [...counts] };
}

const districtName = (code: string) => t(`admin.districts.${code}`);

/**
 * A schematic map of the demo city's districts (one square each, roughly placed), coloured by a
 * value from the open data; the same values as a table.
 */
export function DistrictMap() {
  useLang();
  const [measure, setMeasure] = useState<TMeasure>('boardings');
  const spec = MEASURES[measure];
  const data = useLoad(
    async (signal) => {
      const [dataset, result] = await Promise.all([
        api<TDataset>('GET', `/v1/datasets/${spec.dataset}`, undefined, { signal }),
        api<TQueryResult>('POST', `/v1/open/${spec.dataset}/query`, queryFor(measure), { signal }),
      ]);
      return {
        dataset,
        values: valuesByDistrict(spec.fn === 'count_lines' ? countPairs(result) : result, 'v'),
      };
    },
    [measure],
  );
  const label = t(`admin.stats.map.measures.${measure}`);
  const title = t('admin.stats.map.caption', { measure: label });
  return (
    <section aria-labelledby="map-h">
      <h2 id="map-h">{t('admin.stats.map.title')}</h2>
      <p class="muted">{t('admin.stats.map.lead')}</p>
      <Field label={t('admin.stats.map.measure')} id="map-measure">
        {(id) => (
          <select id={id} value={measure} onChange={(e) => setMeasure(e.currentTarget.value as TMeasure)}>
            {Object.keys(MEASURES).map((m) => (
              <option key={m} value={m}>
                {t(`admin.stats.map.measures.${m}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorNote error={data.error} />
      {!data.data ? (
        data.loading && <Loading />
      ) : (
        <div class="map-wrap">
          <TileMap values={data.data.values} title={title} />
          <div>
            <DataTable
              caption={title}
              columns={[t('admin.stats.map.district'), t('admin.stats.map.code'), label]}
              numeric={[false, false, true]}
              rows={DISTRICT_CODES.map((c) => {
                const v = data.data!.values.get(c);
                return [
                  districtName(c),
                  c,
                  v === null || v === undefined ? t('admin.stats.map.none') : fmtNumber(v),
                ];
              })}
            />
            <p class="muted small">
              {t('admin.stats.map.source', {
                dataset: pick(data.data.dataset.title, data.data.dataset.titleEn),
              })}
            </p>
          </div>
        </div>
      )}
    </section>
  );
}

const MAP_NAME = 'enclave-hangzhou-tiles';

/** The tiles drawn by ECharts' map series over hand-made square "regions", with a colour legend. */
function TileMap({ values, title }: { values: Map<string, number | null>; title: string }) {
  const el = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const current = lang();
  useEffect(() => {
    let disposed = false;
    let chart: { dispose(): void; resize(): void } | undefined;
    const onResize = () => chart?.resize();
    import('../../lib/echarts.ts').then(
      ({ echarts }) => {
        if (disposed || !el.current) return;
        // biome-ignore lint/suspicious/noExplicitAny: ECharts types its GeoJSON input loosely
        if (!echarts.getMap(MAP_NAME)) echarts.registerMap(MAP_NAME, tileGeoJson() as any);
        const c = echarts.init(el.current, undefined, { renderer: 'svg' });
        chart = c;
        const [lo, hi] = valueRange(values.values());
        c.setOption({
          aria: { enabled: true },
          title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
          tooltip: {
            trigger: 'item',
            formatter: (p: { name: string; value: number }) =>
              `${districtName(p.name)}（${p.name}）<br/>${Number.isFinite(p.value) ? fmtNumber(p.value) : t('admin.stats.map.none')}`,
          },
          visualMap: {
            min: lo,
            max: hi === lo ? lo + 1 : hi,
            calculable: false,
            orient: 'horizontal',
            left: 'center',
            bottom: 0,
            text: [t('admin.stats.map.legendHigh'), t('admin.stats.map.legendLow')],
            inRange: { color: ['#e3eef9', '#0b4f8a'] },
            formatter: (v: number) => fmtNumber(v, 0),
          },
          series: [
            {
              type: 'map',
              map: MAP_NAME,
              aspectScale: 1,
              top: 40,
              bottom: 60,
              selectedMode: false,
              label: {
                show: true,
                formatter: (p: { name: string }) => districtName(p.name).replace(/(区|县|市)$/, ''),
                fontSize: 12,
                color: '#1a1f29',
                // A light halo keeps the name legible on the darkest tiles.
                textBorderColor: '#ffffff',
                textBorderWidth: 3,
              },
              itemStyle: { borderColor: '#ffffff', borderWidth: 1, areaColor: '#eeeeee' },
              emphasis: { label: { show: true }, itemStyle: { areaColor: '#f5b942' } },
              data: DISTRICT_CODES.map((code) => ({ name: code, value: values.get(code) ?? Number.NaN })),
            },
          ],
        });
        addEventListener('resize', onResize);
      },
      () => setFailed(true),
    );
    return () => {
      disposed = true;
      removeEventListener('resize', onResize);
      chart?.dispose();
    };
  }, [values, title, current]);
  if (failed) return <p class="note error">{t('errors.chart')}</p>;
  return (
    <div
      ref={el}
      class="chart"
      role="img"
      aria-label={title}
      data-testid="district-map"
      style={{ height: '420px' }}
    />
  );
}
