import { useEffect, useRef } from 'react';
import { use, init } from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

// As the indicators' chart: bars, axes, legend and tooltip as SVG, loaded on demand by the statistics page.
use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/** Long category names (outcomes, reasons) are broken over lines within this many pixels. */
const LABEL_WIDTH = 180;
const COLORS = ['#0f5c6e', '#e08a2e', '#6a9f3a', '#9b4f8f', '#3f7fc1', '#c4514b', '#8a7a3a', '#4c9a95', '#7a6fb8', '#9fb0ba'];

export interface ChartSeries {
  name: string;
  /** One value per category; null (a hidden small cell) draws no bar. */
  data: (number | null)[];
}

/**
 * Bars by category: several series stacked (consultations by month, one colour per department), or
 * one series lying down with the categories' names at the left (`horizontal`, for long names).
 * Hidden from screen readers: the table beside it holds the same figures.
 */
export function StatsChart({ categories, series, horizontal = false, locale, testId }: { categories: string[]; series: ChartSeries[]; horizontal?: boolean; locale: string; testId: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = init(el.current!, undefined, { renderer: 'svg' });
    const number = new Intl.NumberFormat(locale);
    // At phone width the names take at most two fifths of the width.
    const labelWidth = Math.min(LABEL_WIDTH, el.current!.clientWidth * 0.4);
    const category = { type: 'category' as const, data: categories, axisTick: { show: false }, ...(horizontal ? { inverse: true, axisLabel: { width: labelWidth, overflow: 'break' as const } } : {}) };
    const value = { type: 'value' as const, minInterval: 1 };
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: getComputedStyle(el.current!).fontFamily },
      color: COLORS,
      legend: series.length > 1 ? { top: 0, type: 'scroll' } : undefined,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v === null || v === undefined ? '–' : number.format(Number(v))) },
      grid: { left: horizontal ? labelWidth + 12 : 40, right: 24, top: series.length > 1 ? 40 : 12, bottom: 28 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series.map((s) => ({
        name: s.name,
        type: 'bar',
        stack: series.length > 1 ? 'all' : undefined,
        data: s.data,
        label: horizontal ? { show: true, position: 'right', formatter: (p: { value: unknown }) => number.format(Number(p.value)) } : undefined,
      })),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [categories, series, horizontal, locale]);
  return <div ref={el} className={`stats-chart${horizontal ? ' stats-chart--horizontal' : ''}`} aria-hidden="true" data-testid={testId} />;
}
