import {
  ColorType,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'react';
import type { FillMarker, LinePoint, OrderLine } from './chart-data';

interface PriceChartProps {
  line: readonly LinePoint[];
  markers: readonly FillMarker[];
  orders: readonly OrderLine[];
  label: string;
}

interface ChartParts {
  chart: IChartApi;
  series: ISeriesApi<'Line'>;
  markers: ISeriesMarkersPluginApi<Time>;
  priceLines: IPriceLine[];
}

const BUY = '#15803d';
const SELL = '#b91c1c';

/**
 * The engine's price (lightweight-charts line series) with its fills as arrows (buy below, sell above)
 * and its open limit orders as dashed price lines. The data attributes let tests and screen readers
 * know what is drawn on the canvas.
 */
export function PriceChart({ line, markers, orders, label }: PriceChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const parts = useRef<ChartParts | null>(null);
  const [failed, setFailed] = useState(false);
  // Follows the data (fits it all in view) until the user scrolls or zooms; "Fit all" follows again.
  const [follow, setFollow] = useState(true);

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
      const series = chart.addSeries(LineSeries, { color: '#1d4ed8', lineWidth: 2, priceFormat: { type: 'price', precision: 5, minMove: 0.00001 } });
      parts.current = { chart, series, markers: createSeriesMarkers(series, []), priceLines: [] };
    } catch {
      setFailed(true);
    }
    const stopFollowing = (): void => setFollow(false);
    node.addEventListener('wheel', stopFollowing, { passive: true });
    node.addEventListener('pointerdown', stopFollowing);
    return () => {
      node.removeEventListener('wheel', stopFollowing);
      node.removeEventListener('pointerdown', stopFollowing);
      parts.current?.chart.remove();
      parts.current = null;
    };
  }, []);

  useEffect(() => {
    const p = parts.current;
    if (!p) return;
    p.series.setData(line.map((pt) => ({ time: pt.time as UTCTimestamp, value: pt.value })));
    p.markers.setMarkers(markers.map(toMarker));
    if (follow) p.chart.timeScale().fitContent();
  }, [line, markers, follow]);

  useEffect(() => {
    const p = parts.current;
    if (!p) return;
    for (const priceLine of p.priceLines) p.series.removePriceLine(priceLine);
    p.priceLines = orders.map((o) =>
      p.series.createPriceLine({ price: o.price, color: o.side === 'buy' ? BUY : SELL, lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: o.title }),
    );
  }, [orders]);

  const summary = `${label}: ${line.length} price point${line.length === 1 ? '' : 's'}, ${markers.length} fill${markers.length === 1 ? '' : 's'} marked, ${orders.length} open limit order${orders.length === 1 ? '' : 's'}.`;
  return (
    <div className="chart-wrap">
      <div
        ref={container}
        className="chart"
        role="img"
        aria-label={summary}
        data-points={line.length}
        data-markers={markers.length}
        data-order-lines={orders.length}
      />
      {!follow ? (
        <button type="button" className="button button--small chart__fit" onClick={() => setFollow(true)}>
          Fit all
        </button>
      ) : null}
      {failed ? <p className="chart__empty muted">The chart could not be drawn in this browser.</p> : null}
      {!failed && line.length === 0 ? <p className="chart__empty muted">No prices yet: the line appears with the engine&rsquo;s first candle or fill.</p> : null}
    </div>
  );
}

function toMarker(m: FillMarker): SeriesMarker<Time> {
  return m.side === 'buy'
    ? { time: m.time as UTCTimestamp, position: 'belowBar', color: BUY, shape: 'arrowUp', text: m.text }
    : { time: m.time as UTCTimestamp, position: 'aboveBar', color: SELL, shape: 'arrowDown', text: m.text };
}
