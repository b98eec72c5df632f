import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../lib/i18n.ts';

export type TSeries = { name: string; values: (number | null)[] };
export type TChartSpec = { kind: 'bar' | 'line'; categories: string[]; series: TSeries[]; title: string };

/** A chart drawn by Apache ECharts, loaded only when a chart is first shown. */
export function Chart({ spec, height = 320 }: { spec: TChartSpec; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let disposed = false;
    let chart: { dispose(): void; resize(): void } | undefined;
    const onResize = () => chart?.resize();
    import('../lib/echarts.ts').then(
      ({ echarts }) => {
        if (disposed || !el.current) return;
        const c = echarts.init(el.current, undefined, { renderer: 'svg' });
        chart = c;
        c.setOption({
          aria: { enabled: true },
          tooltip: { trigger: 'axis' },
          legend: { show: spec.series.length > 1 },
          grid: { left: 60, right: 20, top: 40, bottom: 60 },
          xAxis: {
            type: 'category',
            data: spec.categories,
            axisLabel: { rotate: spec.categories.length > 8 ? 30 : 0 },
          },
          yAxis: { type: 'value' },
          series: spec.series.map((s) => ({ name: s.name, type: spec.kind, data: s.values })),
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
  }, [spec]);
  if (failed) return <p class="note error">{t('errors.chart')}</p>;
  return <div ref={el} class="chart" role="img" aria-label={spec.title} style={{ height: `${height}px` }} />;
}
