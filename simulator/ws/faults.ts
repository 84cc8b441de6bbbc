import { z } from 'zod';
import { EXCHANGE_IDS, type ExchangeId } from '../../src/domain/exchange-ids.js';

/**
 * Websocket faults of one exchange. `drop` closes every open socket now (`refuseNext` also refuses
 * that many following upgrades); `silent` keeps sockets open but sends nothing, not even pongs, for
 * `ms`; `delay` holds each outgoing message `ms`; `reorder` swaps each pair of consecutive
 * messages; `duplicate` sends each message twice. The last three stay until cleared.
 */
export const wsFaultInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('drop'), exchange: z.enum(EXCHANGE_IDS), refuseNext: z.number().int().min(0).max(1000).default(0) }).strict(),
  z.object({ kind: z.literal('silent'), exchange: z.enum(EXCHANGE_IDS), ms: z.number().int().min(1).max(3_600_000) }).strict(),
  z.object({ kind: z.literal('delay'), exchange: z.enum(EXCHANGE_IDS), ms: z.number().int().min(1).max(120_000) }).strict(),
  z.object({ kind: z.literal('reorder'), exchange: z.enum(EXCHANGE_IDS) }).strict(),
  z.object({ kind: z.literal('duplicate'), exchange: z.enum(EXCHANGE_IDS) }).strict(),
]);
export type WsFaultInput = z.input<typeof wsFaultInputSchema>;

export interface WsFaultState {
  refuseNext: number;
  /** Real time (performance.now) until which sockets send nothing. */
  silentUntil: number;
  delayMs: number;
  reorder: boolean;
  duplicate: boolean;
}

export class WsFaults {
  readonly #state = new Map<ExchangeId, WsFaultState>();
  readonly #dropListeners = new Set<(exchange: ExchangeId) => void>();

  inject(input: WsFaultInput): WsFaultState {
    const fault = wsFaultInputSchema.parse(input);
    const state = this.state(fault.exchange);
    switch (fault.kind) {
      case 'drop':
        state.refuseNext = fault.refuseNext;
        for (const listener of this.#dropListeners) listener(fault.exchange);
        break;
      case 'silent':
        state.silentUntil = performance.now() + fault.ms;
        break;
      case 'delay':
        state.delayMs = fault.ms;
        break;
      case 'reorder':
        state.reorder = true;
        break;
      case 'duplicate':
        state.duplicate = true;
        break;
    }
    return { ...state };
  }

  /** The live state of one exchange's faults (created clear). */
  state(exchange: ExchangeId): WsFaultState {
    let state = this.#state.get(exchange);
    if (!state) {
      state = { refuseNext: 0, silentUntil: 0, delayMs: 0, reorder: false, duplicate: false };
      this.#state.set(exchange, state);
    }
    return state;
  }

  /** Clears one exchange's websocket faults, or every exchange's. */
  clear(exchange?: ExchangeId): void {
    if (exchange) this.#state.delete(exchange);
    else this.#state.clear();
  }

  /** True when the next upgrade of `exchange` is to be refused (and counts it). */
  takeRefusal(exchange: ExchangeId): boolean {
    const state = this.#state.get(exchange);
    if (!state || state.refuseNext <= 0) return false;
    state.refuseNext -= 1;
    return true;
  }

  onDrop(listener: (exchange: ExchangeId) => void): () => void {
    this.#dropListeners.add(listener);
    return () => this.#dropListeners.delete(listener);
  }
}
