import { useEffect, useRef } from 'react';
import { use, init } from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

// Only the parts drawn here: bars, their axes, legend and tooltip, as SVG. This module is loaded
// on demand by the indicators page, so ECharts stays out of every other chunk.
use([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/** The indicators' names, broken over lines within this many pixels. */
const LABEL_WIDTH = 140;

export interface ChartBar {
  label: string;
  planned: number | null;
  actual: number | null;
}

/**
 * Planned versus actual, one small chart per indicator, each on its own scale: trainees counted by
 * attendance run to thousands where conferences count a handful, so one shared axis would hide the
 * small ones. Each bar carries its value. Hidden from screen readers: the table holds the same figures.
 */
export function IndicatorChart({ bars, names, locale }: { bars: ChartBar[]; names: { planned: string; actual: string }; locale: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = init(el.current!, undefined, { renderer: 'svg' });
    const band = 100 / bars.length;
    const number = new Intl.NumberFormat(locale);
    const label = { show: true, position: 'right' as const, formatter: (p: { value: unknown }) => number.format(Number(p.value)) };
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: getComputedStyle(el.current!).fontFamily },
      color: ['#9fb0ba', '#0f5c6e'],
      legend: { top: 0 },
      // One band per indicator below the legend; labels in a fixed column so the bars line up.
      grid: bars.map((_, i) => ({ left: LABEL_WIDTH + 8, right: 56, top: `${i * band + 8}%`, height: `${band - 10}%` })),
      xAxis: bars.map((_, i) => ({ type: 'value', gridIndex: i, show: false, min: 0 })),
      yAxis: bars.map((b, i) => ({ type: 'category', gridIndex: i, data: [b.label], axisTick: { show: false }, axisLabel: { width: LABEL_WIDTH, overflow: 'break' } })),
      series: bars.flatMap((b, i) => [
        { name: names.planned, type: 'bar', xAxisIndex: i, yAxisIndex: i, data: [b.planned], label },
        { name: names.actual, type: 'bar', xAxisIndex: i, yAxisIndex: i, data: [b.actual], label },
      ]),
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [bars, names, locale]);
  return <div ref={el} className="indicator-chart" aria-hidden="true" data-testid="indicator-chart" />;
}
