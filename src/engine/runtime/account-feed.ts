import type { Clock } from '../../domain/clock.js';
import type { AccountFeedStatus } from '../../domain/engine-status.js';
import type { Fill } from '../../domain/orders.js';
import type { AccountStream, ExchangeOrder } from '../../exchanges/exchange.port.js';

/**
 * The account's order and trade updates from the exchange's private websocket (ccxt pro
 * `watchOrders` / `watchMyTrades`), so a fill reaches the engine within moments instead of at the next
 * candle's order sync. REST stays the truth and the fallback:
 *  - what arrives while the engine is busy is merged into one batch, never dropped; a batch grown past
 *    MAX_BATCH becomes a `resync` (the engine asks REST instead);
 *  - a stream that fails is dropped and subscribed again after a backoff (doubling to
 *    `backoffMaxMs`); while it is down the engine's REST syncs go on as without a stream;
 *  - after a failure, once the new subscription has held for `settleMs`, a `resync` tells the engine
 *    to read orders and trades over REST: what filled while the socket was down is filled in;
 *  - the order manager applies each trade once by its trade id, whichever path brought it.
 */

export interface AccountBatch {
  orders: ExchangeOrder[];
  trades: Fill[];
  /** Read orders and trades over REST: the stream was down (or the batch overflowed), something may be missing. */
  resync: boolean;
}

export interface AccountFeedOptions {
  stream: AccountStream;
  clock: Clock;
  /** How long a new subscription must hold before the stream counts as up again. Default 5 s. */
  settleMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** The stream failed (the feed carries on: REST covers it). */
  onError?: (error: unknown) => void;
  /** The stream went down or came back. */
  onModeChange?: (mode: AccountFeedStatus['mode'], reason: string) => void;
}

const MAX_BATCH = 1_000;

export class AccountFeed {
  readonly #o: AccountFeedOptions;
  readonly #settle: number;
  readonly #backoffBase: number;
  readonly #backoffMax: number;
  #batch: AccountBatch | null = null;
  #waiters: (() => void)[] = [];
  #pumping = false;
  #closed = false;
  /** Ends the pump's sleeps on close. */
  readonly #stop = new AbortController();
  #failures = 0;
  /** Bumped on every failure: a settle timer of an earlier attempt does nothing. */
  #attempt = 0;
  readonly #status: AccountFeedStatus = { mode: 'stream', reconnects: 0, lastUpdateAt: null, lastStreamError: null };

  constructor(options: AccountFeedOptions) {
    this.#o = options;
    this.#settle = options.settleMs ?? 5_000;
    this.#backoffBase = options.backoffBaseMs ?? 1_000;
    this.#backoffMax = options.backoffMaxMs ?? 60_000;
  }

  get status(): Readonly<AccountFeedStatus> {
    return this.#status;
  }

  /** Whether the subscription is up (no failure since it was made, or it has held again). */
  get streaming(): boolean {
    return this.#status.mode === 'stream';
  }

  /** Everything that arrived since the last call, waiting for something if nothing did; null once closed. Starts the stream on the first call. */
  async next(signal?: AbortSignal): Promise<AccountBatch | null> {
    this.#startPump();
    while (!this.#closed) {
      const batch = this.#batch;
      if (batch) {
        this.#batch = null;
        return batch;
      }
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    this.#wake();
    await this.#o.stream.resetStreams().catch(() => undefined);
  }

  #startPump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    void this.#pump().finally(() => (this.#pumping = false));
  }

  async #pump(): Promise<void> {
    while (!this.#closed) {
      const attempt = this.#attempt;
      if (this.#status.mode === 'poll') this.#whenHeld(attempt);
      try {
        const update = await this.#o.stream.watchAccount();
        if (this.#closed) return;
        this.#failures = 0;
        this.#status.lastUpdateAt = this.#o.clock.now();
        this.#up('an update arrived');
        this.#add({ orders: update.orders, trades: update.trades, resync: false });
      } catch (error) {
        if (this.#closed) return;
        this.#attempt++;
        this.#failures++;
        this.#status.reconnects++;
        this.#status.lastStreamError = error instanceof Error ? error.message : String(error);
        this.#o.onError?.(error);
        if (this.#status.mode === 'stream') {
          this.#status.mode = 'poll';
          this.#o.onModeChange?.('poll', `order stream failed: ${this.#status.lastStreamError}`);
        }
        await this.#o.stream.resetStreams().catch(() => undefined);
        const wait = Math.min(this.#backoffMax, this.#backoffBase * 2 ** (this.#failures - 1));
        await this.#o.clock.sleep(wait, this.#stop.signal).catch(() => undefined);
      }
    }
  }

  /** A new subscription that has not failed within settleMs is up: REST fills in what the gap missed. */
  #whenHeld(attempt: number): void {
    void this.#o.clock
      .sleep(this.#settle, this.#stop.signal)
      .then(() => {
        if (attempt === this.#attempt && !this.#closed) this.#up('the stream is subscribed again');
      })
      .catch(() => undefined);
  }

  #up(reason: string): void {
    if (this.#status.mode === 'stream') return;
    this.#status.mode = 'stream';
    this.#o.onModeChange?.('stream', reason);
    this.#add({ orders: [], trades: [], resync: true });
  }

  #add(part: AccountBatch): void {
    const batch = (this.#batch ??= { orders: [], trades: [], resync: false });
    batch.resync ||= part.resync;
    batch.orders.push(...part.orders);
    batch.trades.push(...part.trades);
    if (batch.orders.length + batch.trades.length > MAX_BATCH) {
      batch.orders = [];
      batch.trades = [];
      batch.resync = true;
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
