import { useMemo, useState } from 'react';
import { ApiError, describeError } from '../../api/client';
import { useEngineOrders, useEngineStatus, useEngineTrades } from '../../api/engine';
import { LIVE_ORDER_STATUSES, type EngineStatus } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { ErrorState, Loading } from '../../components/States';
import { absoluteTime } from '../../format';
import { fillMarkers, linePoints, orderLines } from './chart-data';
import { EngineControls } from './EngineControls';
import { EngineOwnerFact } from './EngineOwner';
import { EngineStateBadge, HeartbeatAge, useNow } from './EngineStateBadge';
import { EventLog } from './EventLog';
import { FillsTable } from './FillsTable';
import { formatDecimal, formatDuration } from './format';
import { engineLive, type LiveState, type MarkPoint } from './live-model';
import { OrdersTable } from './OrdersTable';
import { botQuote, pairListLabel } from './pairs';
import { PairsPanel } from './PairsPanel';
import { PositionsPanel } from './PositionsPanel';
import { PriceChart } from './PriceChart';
import { StartEngineForm } from './StartEngineForm';
import { describeBudget } from './BotList';

const NO_MARKS: MarkPoint[] = [];

interface EnginePanelProps {
  engineId: string;
  /** The bot's connection. */
  connection: ConnectionView;
  connections: readonly ConnectionView[];
  live: LiveState;
}

/** Everything about one bot. */
export function EnginePanel({ engineId, connection, connections, live }: EnginePanelProps) {
  const id = engineId;
  const status = useEngineStatus(id);
  const orders = useEngineOrders(id);
  const trades = useEngineTrades(id);
  const view = engineLive(live, id);
  const data = status.data;
  const [chosen, setChosen] = useState<string | null>(null);
  // A multi-pair bot charts one of its pairs (the one chosen in its table), from its fills and orders:
  // the heartbeat marks are the single-pair bot's.
  const multi = data?.pairs ?? null;
  const symbol = data?.symbol ?? (multi ? (chosen ?? multi.pairs.find((p) => p.holdsSlot)?.symbol ?? multi.pairs[0]?.symbol ?? null) : null);
  const marks = multi ? NO_MARKS : view.marks;

  const fills = trades.data;
  const line = useMemo(() => linePoints(marks, fills ?? [], symbol), [marks, fills, symbol]);
  const markers = useMemo(() => fillMarkers(fills ?? [], symbol), [fills, symbol]);
  const openOrders = data?.openOrders;
  const priceLines = useMemo(() => orderLines((openOrders ?? []).filter((o) => !multi || o.symbol === symbol)), [openOrders, multi, symbol]);

  if (status.isPending) return <Loading label="Loading the engine…" />;
  if (status.isError) {
    const message = status.error instanceof ApiError && status.error.notAvailable ? 'The trade engine is not available in this server version yet.' : describeError(status.error);
    return <ErrorState message={`Could not load bot ${id} on ${connection.name}: ${message}`} onRetry={() => void status.refetch()} />;
  }
  const s = data as EngineStatus;
  const canStart = s.allowedActions.includes('start');
  const hasControls = s.allowedActions.some((a) => a === 'pause' || a === 'resume' || a === 'stop');
  const history = (orders.data ?? []).filter((o) => !LIVE_ORDER_STATUSES.includes(o.status));

  return (
    <div className="engine-layout">
      <div className="engine-main">
        <section className="panel engine-status" aria-label={`Bot ${s.strategy ?? ''} on ${connection.name}`}>
          <header className="engine-status__header">
            <div className="engine-status__title">
              <h2>
                {s.strategy ?? 'Bot'} · {connection.name}
              </h2>
              <EngineStateBadge state={s.state} />
              <HeartbeatAge at={view.lastHeartbeatAt ?? s.lastHeartbeatAt} active={s.state === 'running' || s.state === 'paused'} timeframe={s.timeframe} startedAt={s.startedAt} />
            </div>
            {hasControls ? <EngineControls status={s} name={connection.name} /> : null}
          </header>
          <dl className="engine-facts">
            <Fact label="Strategy" value={s.strategy ?? '—'} />
            {s.pairs ? (
              <Fact label="Pairs" value={`${pairListLabel(s.pairs.pairList)} · ${s.timeframe ?? ''}`} />
            ) : (
              <Fact label="Symbol" value={s.symbol ? `${s.symbol} · ${s.timeframe ?? ''}` : '—'} />
            )}
            {s.pairs ? null : <Fact label="Last price" value={formatDecimal(s.lastPrice)} />}
            <Uptime status={s} />
            <Fact label="Mode" value={connection.mode} />
            <EngineOwnerFact status={s} active={s.state !== 'stopped' && s.state !== 'error'} />
            <Fact label="Budget" value={describeBudget(s.budget, s.budgetQuote, botQuote(s))} />
            <Fact label="Bot id" value={s.id} />
          </dl>
          {s.flatten.state === 'incomplete' ? (
            <p className="notice notice--error" role="alert" data-testid="flatten-incomplete">
              Flatten incomplete: {s.flatten.remaining} {s.symbol?.split('/')[0] ?? ''} still open on the exchange. Close it by hand or start the engine again.
              {s.flatten.reason ? ` Reason: ${s.flatten.reason}` : ''}
            </p>
          ) : null}
          {s.exchange && !s.exchange.reachable && s.exchange.since ? (
            <p className="notice notice--error" role="alert">
              Exchange unreachable since {absoluteTime(s.exchange.since)} ({s.exchange.attempts} {s.exchange.attempts === 1 ? 'attempt' : 'attempts'}
              {s.exchange.lastError ? `; last: ${s.exchange.lastError}` : ''}). The engine keeps retrying and reconciles when it answers; until then the open
              position has no stop-loss or take-profit.
            </p>
          ) : null}
          {s.lastError ? (
            <p className={`notice ${s.state === 'error' ? 'notice--error' : 'notice--info'}`} role={s.state === 'error' ? 'alert' : undefined}>
              {s.state === 'error' ? 'The engine stopped on an error: ' : 'Last error: '}
              {s.lastError}
            </p>
          ) : null}
        </section>

        {s.pairs ? <PairsPanel pairs={s.pairs} positions={s.positions} openOrders={s.openOrders} pnl={s.pnl} chartSymbol={symbol} onChart={setChosen} /> : null}

        <section className="panel" aria-labelledby="chart-title">
          <h2 id="chart-title">Price {symbol ? `· ${symbol}` : ''}</h2>
          <PriceChart line={line} markers={markers} orders={priceLines} label={`Price chart of ${symbol ?? 'the engine'}`} />
          {s.pairs ? (
            <p className="muted small">Line: fill prices of the pair chosen in the Pairs table (the API exposes no candle history). Arrows: its fills. Dashed lines: its open limit orders.</p>
          ) : (
            <p className="muted small">
              Line: the engine&rsquo;s last price per candle while this page is open, and fill prices (the API exposes no candle history). Arrows: fills (green buy, red
              sell). Dashed lines: open limit orders.
            </p>
          )}
        </section>

        <PositionsPanel positions={s.positions} pnl={s.pnl} {...(s.positionGaps ? { gaps: s.positionGaps } : {})} />
        <OrdersTable orders={s.openOrders} title="Open orders" empty="No open orders." />
        {trades.isError ? <ErrorState message={`Could not load fills: ${describeError(trades.error)}`} onRetry={() => void trades.refetch()} /> : <FillsTable fills={fills ?? []} />}
        {orders.isError ? (
          <ErrorState message={`Could not load orders: ${describeError(orders.error)}`} onRetry={() => void orders.refetch()} />
        ) : (
          <OrdersTable orders={history} title="Order history" empty="No finished orders yet." />
        )}
      </div>

      <aside className="engine-side">
        {canStart ? (
          <section className="panel" aria-labelledby="start-title">
            <h2 id="start-title">{s.state === 'error' ? 'Restart this bot' : 'Start this bot again'}</h2>
            <StartEngineForm key={`${id}-${s.startedAt ?? ''}`} connections={connections} connectionId={s.connectionId} onConnectionChange={() => undefined} previous={s} />
          </section>
        ) : null}
        <EventLog entries={view.log} />
      </aside>
    </div>
  );
}

/** Counts on between status refreshes. */
function Uptime({ status }: { status: EngineStatus }) {
  const now = useNow();
  const active = status.state === 'running' || status.state === 'paused' || status.state === 'starting';
  const ms = active && status.startedAt ? Math.max(0, now - Date.parse(status.startedAt)) : null;
  return <Fact label="Uptime" value={formatDuration(ms)} />;
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
