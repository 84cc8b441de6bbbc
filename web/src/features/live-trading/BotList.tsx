import type { EngineBudget, EngineStatus } from '../../api/engine-types';
import type { ConnectionView } from '../../api/types';
import { EngineStateBadge } from './EngineStateBadge';
import { formatDecimal } from './format';
import { nameMentionsMode } from '../../format';
import { botMarket, botQuote } from './pairs';

interface BotListProps {
  bots: readonly EngineStatus[];
  connections: readonly ConnectionView[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  onNew: () => void;
  creating: boolean;
}

export function describeBudget(budget: EngineBudget | null, resolved: string | null, quote: string): string {
  if (!budget) return 'whole account';
  if ('quote' in budget) return `${formatDecimal(budget.quote)} ${quote}`;
  return `${budget.sharePct} %${resolved ? ` (${formatDecimal(resolved)} ${quote})` : ''}`;
}

/**
 * Every bot, one table row each: the table scrolls inside its panel, so 20 bots (or 200) never widen
 * the page. Several bots may share a connection; each row shows its own budget.
 */
export function BotList({ bots, connections, selectedId, onSelect, onNew, creating }: BotListProps) {
  const names = new Map(connections.map((c) => [c.id, c]));
  return (
    <section className="panel bot-list" aria-labelledby="bots-title">
      <header className="bot-list__header">
        <h2 id="bots-title">Bots ({bots.length})</h2>
        <button type="button" className={`button button--small${creating ? ' button--primary' : ''}`} aria-pressed={creating} onClick={onNew}>
          New bot
        </button>
      </header>
      {bots.length === 0 ? (
        <p className="muted">No bot has run yet. Start one with “New bot”.</p>
      ) : (
        <div className="bot-list__scroll">
          <table className="table bot-table">
            <thead>
              <tr>
                <th scope="col">Bot</th>
                <th scope="col">Connection</th>
                <th scope="col">State</th>
                <th scope="col">Budget</th>
                <th scope="col" className="num">
                  Net PnL
                </th>
              </tr>
            </thead>
            <tbody>
              {bots.map((b) => {
                const connection = names.get(b.connectionId);
                const selected = b.id === selectedId;
                const quote = botQuote(b);
                return (
                  <tr key={b.id} className={selected ? 'bot-table__row--selected' : undefined} aria-selected={selected}>
                    <td>
                      <button type="button" className="link-button" aria-pressed={selected} onClick={() => onSelect(b.id)}>
                        {b.strategy ?? 'bot'} · {botMarket(b)}
                      </button>
                      <span className="muted small bot-table__id">{b.id}</span>
                    </td>
                    <td>
                      {connection?.name ?? b.connectionId}
                      {connection && !nameMentionsMode(connection.name, connection.mode) ? <span className="muted small"> ({connection.mode})</span> : null}
                    </td>
                    <td>
                      <EngineStateBadge state={b.state} />
                    </td>
                    <td>{describeBudget(b.budget, b.budgetQuote, quote)}</td>
                    <td className="num">{formatDecimal(b.pnl.netPnl)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
