import { AreaSeries, ColorType, LineStyle, createChart, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';

export interface EquityPoint {
  time: string;
  equity: string;
}

/** Chart points: seconds, strictly increasing (duplicates keep the last value). */
export function equitySeries(points: readonly EquityPoint[]): { time: number; value: number }[] {
  const byTime = new Map<number, number>();
  for (const p of points) {
    const t = Math.floor(Date.parse(p.time) / 1000);
    const v = Number(p.equity);
    if (Number.isFinite(t) && Number.isFinite(v)) byTime.set(t, v);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

/** The equity curve as an area (lightweight-charts), with the starting balance as a reference line. */
export function EquityChart({ points, startingBalance }: { points: readonly EquityPoint[]; startingBalance: string }) {
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ chart: IChartApi; series: ISeriesApi<'Area'> } | null>(null);
  const [failed, setFailed] = useState(false);
  const data = equitySeries(points);

  useEffect(() => {
    const node = container.current;
    if (!node) return;
    try {
      const chart = createChart(node, {
        autoSize: true,
        layout: { background: { type: ColorType.Solid, color: '#ffffff' }, textColor: '#5b6878', fontSize: 11, attributionLogo: false },
        grid: { vertLines: { color: '#eef1f5' }, horzLines: { color: '#eef1f5' } },
        rightPriceScale: { borderColor: '#dde3ea' },
        timeScale: { borderColor: '#dde3ea', timeVisible: true, secondsVisible: false },
      });
      const series = chart.addSeries(AreaSeries, { lineColor: '#1d4ed8', topColor: 'rgba(29, 78, 216, 0.28)', bottomColor: 'rgba(29, 78, 216, 0.02)', lineWidth: 2 });
      chartRef.current = { chart, series };
    } catch {
      setFailed(true);
    }
    return () => {
      chartRef.current?.chart.remove();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => {
    const parts = chartRef.current;
    if (!parts) return;
    parts.series.setData(equitySeries(points).map((p) => ({ time: p.time as UTCTimestamp, value: p.value })));
    const start = Number(startingBalance);
    const line = Number.isFinite(start)
      ? parts.series.createPriceLine({ price: start, color: '#94a3b8', lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: true, title: 'start' })
      : null;
    parts.chart.timeScale().fitContent();
    return () => {
      if (line && chartRef.current) chartRef.current.series.removePriceLine(line);
    };
  }, [points, startingBalance]);

  return (
    <div className="chart-wrap">
      <div ref={container} className="chart" role="img" aria-label={`Equity curve: ${data.length} points`} data-points={data.length} />
      {failed ? <p className="chart__empty muted">The chart could not be drawn in this browser.</p> : null}
      {!failed && data.length === 0 ? <p className="chart__empty muted">No equity points.</p> : null}
    </div>
  );
}
