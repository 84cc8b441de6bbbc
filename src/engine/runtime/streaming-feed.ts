import type { Clock } from '../../domain/clock.js';
import type { Candle } from '../../domain/candles.js';
import type { CandleStream, Exchange } from '../../exchanges/exchange.port.js';
import type { FeedStatus } from '../../domain/engine-status.js';
import type { PriceEvent, PriceFeed } from '../../exchanges/simulated/price-feed.js';

/**
 * Closed candles of one pair from the exchange's websocket (ccxt pro's `watchOHLCV`), with REST as
 * the fallback it switches to and back from by itself:
 *  - a candle is handed on once the engine's clock has passed its close and an update showing it
 *    arrived (the exchange's final update at the close, or the next candle's first one) — within a
 *    second of the close, instead of a tenth of the timeframe later as polling does;
 *  - a close the stream stays quiet about (no trades, a lagging exchange) is asked for over REST
 *    `settleMs` after it is due, so a quiet stream never delays a candle by more than that;
 *  - a stream that fails, or sends nothing for `silenceMs`, is dropped: the feed polls REST (missing
 *    nothing: it asks from the last candle it handed on) and subscribes again after a backoff
 *    (doubling to `backoffMaxMs`); candles missed while it was down are filled in over REST first;
 *  - each candle comes out once, in time order, whichever path brought it.
 */

export type { CandleStream };

export type FeedMode = FeedStatus['mode'];
export type { FeedStatus };

export interface StreamingFeedOptions {
  stream: CandleStream;
  rest: Pick<Exchange, 'fetchCandles'>;
  symbol: string;
  timeframe: string;
  timeframeMs: number;
  clock: Clock;
  /** No update for this long: the stream is taken for dead. Default 30 s. */
  silenceMs?: number;
  /** How long after a close the stream may take before REST is asked for the candle. Default 3 s. */
  settleMs?: number;
  /** REST polling period while the stream is down. Default a tenth of the timeframe, 1 s to 60 s. */
  pollMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A REST failure (the feed carries on; a transient one is the engine's outage to show). A stream's failure is a mode change, not an outage. */
  onError?: (error: unknown) => void;
  /** The feed switched between stream and REST. */
  onModeChange?: (mode: FeedMode, reason: string) => void;
}

type Wake = { kind: 'update'; candles: Candle[] } | { kind: 'failed'; error: unknown } | { kind: 'timeout' };

export class StreamingCandleFeed implements PriceFeed {
  readonly #o: StreamingFeedOptions;
  readonly #silence: number;
  readonly #settle: number;
  readonly #poll: number;
  readonly #queue: Candle[] = [];
  #last = Number.NEGATIVE_INFINITY;
  #mode: FeedMode = 'stream';
  #failures = 0;
  #retryAt = 0;
  #lastMessageAt: number;
  #pending: Promise<Candle[]> | null = null;
  /** When REST was last asked (clock ms): a quiet stream's overdue close is asked for every settleMs, no faster. */
  #restAskedAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  readonly #status: FeedStatus = { mode: 'stream', reconnects: 0, lastLagMs: null, lastStreamError: null };

  constructor(options: StreamingFeedOptions) {
    this.#o = options;
    this.#silence = options.silenceMs ?? 30_000;
    this.#settle = options.settleMs ?? 3_000;
    this.#poll = options.pollMs ?? Math.min(60_000, Math.max(1_000, options.timeframeMs / 10));
    this.#lastMessageAt = options.clock.now();
  }

  get status(): Readonly<FeedStatus> {
    return this.#status;
  }

  async next(signal?: AbortSignal): Promise<PriceEvent | null> {
    if (!Number.isFinite(this.#last)) await this.#start();
    while (!this.#closed) {
      const ready = this.#queue.shift();
      if (ready) return this.#handOn(ready);
      if (this.#mode === 'poll' && this.#o.clock.now() >= this.#retryAt) this.#switch('stream', 'resubscribing');
      if (this.#mode === 'stream') await this.#streamStep(signal);
      else await this.#pollStep(signal);
    }
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#o.stream.resetStreams().catch(() => undefined);
  }

  /** Where the feed starts: the latest closed candle (as polling does), over REST. */
  async #start(): Promise<void> {
    const { rest, symbol, timeframe } = this.#o;
    this.#take(await rest.fetchCandles({ symbol, timeframe, limit: 2 }), true);
  }

  async #streamStep(signal?: AbortSignal): Promise<void> {
    const restDue = Math.max(this.#nextClose() + this.#settle, this.#restAskedAt + this.#settle);
    const deadline = Math.min(this.#lastMessageAt + this.#silence, restDue);
    const wake = await this.#wait(deadline - this.#o.clock.now(), signal);
    if (wake.kind === 'update') {
      this.#lastMessageAt = this.#o.clock.now();
      this.#failures = 0;
      // A reconnect (or a lost message) can skip candles: REST fills them in, in order.
      if (this.#take(wake.candles, false)) await this.#fill();
      return;
    }
    if (wake.kind === 'failed') {
      this.#drop(wake.error);
      return;
    }
    if (this.#o.clock.now() - this.#lastMessageAt >= this.#silence) {
      this.#drop(new Error(`no websocket update for ${Math.round(this.#silence / 1000)} s`));
      return;
    }
    // The close is overdue and the stream said nothing of it (a quiet market): ask REST, then again every settleMs.
    await this.#fill();
  }

  async #pollStep(signal?: AbortSignal): Promise<void> {
    const got = await this.#fill();
    if (got > 0) return;
    const wait = Math.min(this.#poll, Math.max(0, this.#retryAt - this.#o.clock.now()));
    if (wait > 0) await this.#o.clock.sleep(wait, signal);
  }

  /** The next stream update, a failure, or the deadline, whichever comes first. */
  async #wait(ms: number, signal?: AbortSignal): Promise<Wake> {
    const { stream, symbol, timeframe } = this.#o;
    const update = (this.#pending ??= stream.watchCandles({ symbol, timeframe }));
    const timer = new AbortController();
    const onAbort = () => timer.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const timeout = ms > 0 ? this.#o.clock.sleep(ms, timer.signal).then((): Wake => ({ kind: 'timeout' })) : Promise.resolve<Wake>({ kind: 'timeout' });
      const wake = await Promise.race([
        update.then(
          (candles): Wake => ({ kind: 'update', candles }),
          (error: unknown): Wake => ({ kind: 'failed', error }),
        ),
        timeout,
      ]);
      if (wake.kind !== 'timeout') this.#pending = null;
      return wake;
    } finally {
      timer.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Asks REST from the last candle handed on; returns how many closed candles it brought. */
  async #fill(): Promise<number> {
    const { rest, symbol, timeframe } = this.#o;
    const before = this.#queue.length;
    this.#restAskedAt = this.#o.clock.now();
    try {
      this.#take(await rest.fetchCandles({ symbol, timeframe, since: this.#newest() + 1 }), true);
    } catch (error) {
      this.#o.onError?.(error);
    }
    return this.#queue.length - before;
  }

  /**
   * Queues the closed candles not handed on yet, in order. From the stream, an update that skips a
   * candle queues nothing and returns true (REST fills the gap in order); REST's own answer is taken
   * as it is (an exchange may have no candle for a minute without trades).
   */
  #take(candles: readonly Candle[], fromRest: boolean): boolean {
    const { timeframeMs, clock } = this.#o;
    const now = clock.now();
    const closed = [...candles].filter((c) => c.time > this.#newest() && c.time + timeframeMs <= now).sort((a, b) => a.time - b.time);
    const newest = this.#newest();
    if (!fromRest && closed.length > 0 && Number.isFinite(newest) && (closed[0] as Candle).time > newest + timeframeMs) return true;
    let last = newest;
    for (const candle of closed) {
      if (candle.time <= last) continue;
      this.#queue.push(candle);
      last = candle.time;
    }
    return false;
  }

  #newest(): number {
    return this.#queue.length > 0 ? (this.#queue.at(-1) as Candle).time : this.#last;
  }

  #nextClose(): number {
    const tf = this.#o.timeframeMs;
    return Number.isFinite(this.#last) ? this.#newest() + 2 * tf : Math.ceil(this.#o.clock.now() / tf) * tf;
  }

  #handOn(candle: Candle): PriceEvent {
    this.#last = candle.time;
    this.#status.lastLagMs = Math.max(0, this.#o.clock.now() - (candle.time + this.#o.timeframeMs));
    return { symbol: this.#o.symbol, candle };
  }

  #drop(error: unknown): void {
    this.#pending = null;
    this.#failures++;
    this.#status.reconnects++;
    this.#status.lastStreamError = error instanceof Error ? error.message : String(error);
    const base = this.#o.backoffBaseMs ?? 1_000;
    const max = this.#o.backoffMaxMs ?? 60_000;
    this.#retryAt = this.#o.clock.now() + Math.min(max, base * 2 ** Math.min(this.#failures - 1, 20));
    void this.#o.stream.resetStreams().catch(() => undefined);
    this.#switch('poll', this.#status.lastStreamError);
  }

  #switch(mode: FeedMode, reason: string): void {
    if (this.#mode === mode) return;
    this.#mode = mode;
    this.#status.mode = mode;
    if (mode === 'stream') this.#lastMessageAt = this.#o.clock.now();
    this.#o.onModeChange?.(mode, reason);
  }
}
