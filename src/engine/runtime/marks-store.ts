import { withMark, type StoredMark } from '../accounting/marks.js';
import type { EngineRecord, EngineStore } from './ports.js';

/** What the store needs from each running tick (one per pair): its market's symbol and its latest mark. */
export interface MarkSource {
  readonly market: { readonly symbol: string };
  storedMark(): StoredMark | null;
}

/**
 * The engine store a runner writes through: every save (heartbeats, state changes, the final stop)
 * carries each tick's latest mark onto the record, so the stopped engine's status — and a restarted
 * service's — still values its positions at the last known price, with that price's time.
 */
export function markingEngineStore(inner: EngineStore, sources: () => readonly MarkSource[], pnlToday?: () => EngineRecord['pnlToday']): EngineStore {
  return {
    async save(record) {
      for (const tick of sources()) {
        const mark = tick.storedMark();
        if (mark) record.marks = withMark(record.marks, tick.market.symbol, mark);
      }
      // Today's PnL goes along too: the account-level daily loss limit of bots elsewhere counts it.
      const today = pnlToday?.();
      if (today) record.pnlToday = today;
      await inner.save(record);
    },
    find: (engineId) => inner.find(engineId),
    all: () => inner.all(),
    byConnection: (connectionId) => inner.byConnection(connectionId),
  };
}
