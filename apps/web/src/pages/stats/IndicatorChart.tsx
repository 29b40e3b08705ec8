import { useEffect, useRef } from 'react';
import { use, init } from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

// Only the parts drawn here: bars, their axes, legend and tooltip, as SVG. This module is loaded
// on demand by the indicators page, so ECharts stays out of every other chunk.
use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export interface ChartBar {
  label: string;
  planned: number | null;
  actual: number | null;
}

/**
 * Planned versus actual, one pair of horizontal bars per indicator. Decorative for screen readers:
 * the table beside it holds the same figures.
 */
export function IndicatorChart({ bars, names }: { bars: ChartBar[]; names: { planned: string; actual: string } }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = init(el.current!, undefined, { renderer: 'svg' });
    const labels = bars.map((b) => b.label);
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: getComputedStyle(el.current!).fontFamily },
      color: ['#9fb0ba', '#0f5c6e'],
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { width: 140, overflow: 'break' } },
      series: [
        { name: names.planned, type: 'bar', data: bars.map((b) => b.planned) },
        { name: names.actual, type: 'bar', data: bars.map((b) => b.actual) },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [bars, names]);
  return <div ref={el} className="indicator-chart" aria-hidden="true" data-testid="indicator-chart" />;
}
