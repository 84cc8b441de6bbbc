import type { Clock } from '../../domain/clock.js';
import { AuthenticationFailedError, PermissionMissingError, RateLimitedError } from '../../domain/errors.js';
import type { Market } from '../../exchanges/exchange.port.js';
import type { Portfolio } from '../accounting/index.js';
import { allowedActions, transition, type EngineAction, type EngineState } from '../engine-state.js';
import type { RiskConfig } from '../risk.js';
import type { Strategy } from '../strategy.js';
import { flattenPosition, type FlattenOutcome } from './flatten.js';
import { describe, type OrderManager } from './order-manager.js';
import type { EngineRecord, EngineStore } from './ports.js';
import { TradingTick, type Emit } from './trading-tick.js';
import type { EngineVenue } from './venue.js';

/**
 * One engine: its loop, lifecycle and error policy. Every transition goes through E's state machine
 * first (refused → ConflictError, nothing changed), then is stored, then published.
 *
 * Error policy (docs/engine.md): a failed tick is retried after an exponential backoff with jitter
 * (at least the exchange's Retry-After); after `maxConsecutiveFailures` the engine goes to `error`.
 * Authentication and permission failures go to `error` at once: retrying cannot fix a key.
 */

export interface EngineRunnerDeps {
  record: EngineRecord;
  strategy: Strategy;
  risk: RiskConfig;
  market: Market;
  timeframeMs: number;
  /** Candles of history to feed the strategy before the first live one. */
  warmup: number;
  venue: EngineVenue;
  orders: OrderManager;
  portfolio: Portfolio;
  engines: EngineStore;
  clock: Clock;
  /** Random source in [0, 1) for the backoff jitter. */
  random: () => number;
  emit: Emit;
  emitTransient: (type: string, payload: Readonly<Record<string, unknown>>) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  reconcileEveryMs?: number;
  /** How long an emergency flatten waits for each settle step (clock ms); default 10 s. */
  flattenSettleMs?: number;
  /** Called once the engine has fully stopped or failed, and its venue is closed. */
  onExit?: () => void;
}

export interface StopRequest {
  reason: string;
  cancelOrders: boolean;
  flatten?: boolean;
  /** Keep the resume flag (process shutdown) instead of clearing it (a user's stop). */
  keepResume?: boolean;
  /** Store the reason as the engine's last error (kill switch). */
  recordAsError?: boolean;
}

type Exit = { kind: 'stop'; request: StopRequest } | { kind: 'fail'; error: unknown } | { kind: 'abandon'; reason: string };

const HEARTBEAT_PERSIST_MS = 5_000;

export class EngineRunner {
  readonly #d: EngineRunnerDeps;
  readonly #tick: TradingTick;
  readonly #abort = new AbortController();
  #exit: Exit | null = null;
  #failures = 0;
  #lastHeartbeatSaved = 0;
  #done: Promise<void> = Promise.resolve();
  #lock: Promise<unknown> = Promise.resolve();
  #flattenOutcome: FlattenOutcome | null = null;

  constructor(deps: EngineRunnerDeps) {
    this.#d = deps;
    this.#tick = new TradingTick({
      strategyId: deps.record.strategy,
      strategy: deps.strategy,
      risk: deps.risk,
      market: deps.market,
      timeframeMs: deps.timeframeMs,
      exchange: deps.venue.exchange,
      orders: deps.orders,
      portfolio: deps.portfolio,
      clock: deps.clock,
      emit: deps.emit,
      emitTransient: deps.emitTransient,
      ...(deps.reconcileEveryMs !== undefined ? { reconcileEveryMs: deps.reconcileEveryMs } : {}),
    });
  }

  get record(): Readonly<EngineRecord> {
    return this.#d.record;
  }

  get state(): EngineState {
    return this.#d.record.state;
  }

  get tick(): TradingTick {
    return this.#tick;
  }

  get portfolio(): Portfolio {
    return this.#d.portfolio;
  }

  /** The last emergency flatten of this run, or null when none was requested. */
  get flattenOutcome(): FlattenOutcome | null {
    return this.#flattenOutcome;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Resolves when the engine has stopped or failed and released its venue. */
  get finished(): Promise<void> {
    return this.#done;
  }

  /**
   * Runs an action through the state machine, stores and publishes the new state. Serialized, and
   * validated before anything changes.
   */
  transition(action: EngineAction, changes: Partial<EngineRecord> = {}): Promise<EngineState> {
    const run = this.#lock.then(async () => {
      const from = this.#d.record.state;
      const to = transition(from, action);
      const record = this.#d.record;
      Object.assign(record, changes, { state: to, updatedAt: this.#iso() });
      await this.#d.engines.save(record);
      await this.#d.emit('engine.state', { from, to, action, lastError: record.lastError, allowedActions: allowedActions(to) });
      return to;
    });
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /**
   * From `starting`: reconcile, warm up, go `running`, then loop. Resolves once running (or failed);
   * `finished` resolves when the loop has ended.
   */
  begin(): Promise<void> {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    this.#done = this.#main(started);
    return Promise.race([running, this.#done]);
  }

  async #main(started: () => void): Promise<void> {
    try {
      await this.#prepare();
      if (this.#exit === null) await this.transition('started', { startedAt: this.#iso(), lastError: null });
      started();
      if (this.#exit === null) await this.#loop();
    } catch (error) {
      this.#exit ??= { kind: 'fail', error };
    } finally {
      await this.#finish();
    }
  }

  /** Reconciliation with the exchange before the first decision, then the strategy's warm-up. */
  async #prepare(): Promise<void> {
    await this.#d.orders.load();
    await this.#d.orders.reconcile();
    const warmup = this.#d.warmup;
    this.#tick.warmUp(warmup > 0 ? await this.#d.venue.history(warmup) : []);
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const event = await this.#d.venue.feed.next(signal);
        if (event === null) {
          this.#exit ??= { kind: 'stop', request: { reason: 'the market data feed ended (replay finished)', cancelOrders: true } };
          return;
        }
        const outcome = await this.#tick.run(event.candle, this.state === 'running', signal);
        this.#failures = 0;
        if (outcome.kill) {
          this.#exit ??= { kind: 'stop', request: { reason: outcome.kill, cancelOrders: false, recordAsError: true } };
          return;
        }
        await this.#heartbeat();
      } catch (error) {
        if (signal.aborted) return;
        if (!(await this.#onFailure(error))) return;
      }
    }
  }

  /** Decides retry or fail; returns whether to keep looping. */
  async #onFailure(error: unknown): Promise<boolean> {
    if (error instanceof AuthenticationFailedError || error instanceof PermissionMissingError) {
      this.#exit ??= { kind: 'fail', error };
      return false;
    }
    this.#failures++;
    const max = this.#d.record.options.maxConsecutiveFailures;
    if (this.#failures >= max) {
      this.#exit ??= { kind: 'fail', error: new Error(`${this.#failures} consecutive failures; last: ${describe(error)}`, { cause: error }) };
      return false;
    }
    const delayMs = this.#backoff(error);
    await this.#d.emit('engine.retry', { attempt: this.#failures, of: max, delayMs, error: describe(error) });
    try {
      await this.#d.clock.sleep(delayMs, this.#abort.signal);
    } catch {
      return false; // aborted: a stop arrived while waiting
    }
    return true;
  }

  /** Exponential, capped, with jitter in [50 %, 100 %] so engines sharing an exchange do not retry in step. */
  #backoff(error: unknown): number {
    const base = this.#d.backoffBaseMs ?? 1_000;
    const max = this.#d.backoffMaxMs ?? 60_000;
    const exponential = Math.min(max, base * 2 ** (this.#failures - 1));
    const jittered = Math.round(exponential * (0.5 + this.#d.random() * 0.5));
    return error instanceof RateLimitedError ? Math.max(jittered, error.retryAfterMs) : jittered;
  }

  async #heartbeat(): Promise<void> {
    const now = this.#d.clock.now();
    if (now - this.#lastHeartbeatSaved < HEARTBEAT_PERSIST_MS) {
      this.#d.record.lastHeartbeatAt = this.#iso();
      return;
    }
    this.#lastHeartbeatSaved = now;
    this.#d.record.lastHeartbeatAt = this.#iso();
    await this.#d.engines.save(this.#d.record);
  }

  // ---- lifecycle requests ---------------------------------------------------------------------------------

  pause(): Promise<EngineState> {
    return this.transition('pause');
  }

  resume(): Promise<EngineState> {
    return this.transition('resume');
  }

  /** Validates and stores `stopping`, ends the loop, then winds down (orders per request) and stores `stopped`. */
  async stop(request: StopRequest): Promise<void> {
    await this.transition('stop');
    this.#exit = { kind: 'stop', request };
    this.#abort.abort(new Error(`stop: ${request.reason}`));
    await this.#done;
  }

  /**
   * The process lost the engine's lease (multi-process installations): another process owns it now,
   * so this one ends the loop and releases the venue WITHOUT storing a state, cancelling orders or
   * publishing a transition — all of that belongs to the new owner. Takes precedence over a stop.
   */
  abandon(reason: string): void {
    this.#exit = { kind: 'abandon', reason };
    this.#abort.abort(new Error(`abandoned: ${reason}`));
  }

  async #finish(): Promise<void> {
    const exit = this.#exit ?? { kind: 'stop', request: { reason: 'loop ended', cancelOrders: false } };
    try {
      if (exit.kind === 'abandon') return;
      if (exit.kind === 'fail') await this.#fail(exit.error);
      else await this.#windDown(exit.request);
    } finally {
      await this.#d.venue.close().catch(() => undefined);
      this.#d.onExit?.();
    }
  }

  async #fail(error: unknown): Promise<void> {
    const message = describe(error);
    await this.#d.emit('engine.error', { error: message });
    // A failure while stopping must not undo the stop: record it and finish stopping.
    if (this.state === 'stopping') await this.transition('stopped', { lastError: message, stoppedAt: this.#iso() });
    else await this.transition('fail', { lastError: message, resume: false, stoppedAt: this.#iso() });
  }

  async #windDown(request: StopRequest): Promise<void> {
    if (this.state !== 'stopping') await this.transition('stop');
    let problem: string | null = null;
    try {
      if (request.flatten) this.#flattenOutcome = await this.#flatten(request.reason);
      else if (request.cancelOrders) {
        await this.#d.orders.cancelAll(request.reason);
        await this.#d.orders.sync();
      }
    } catch (error) {
      problem = `While stopping: ${describe(error)}; open orders may remain and are reconciled on the next start`;
      await this.#d.emit('engine.stop_problem', { error: problem });
    }
    if (request.flatten && this.#flattenOutcome === null) await this.#flattenAborted(problem ?? 'the flatten did not run');
    const flat = this.#flattenOutcome;
    const flattenProblem = flat?.state === 'incomplete' ? `Flatten incomplete: ${flat.remaining} ${this.#d.market.base} remain — ${flat.reason ?? 'no reason known'}` : null;
    await this.transition('stopped', {
      stoppedAt: this.#iso(),
      lastError: flattenProblem ?? problem ?? (request.recordAsError ? request.reason : this.#d.record.lastError),
      resume: request.keepResume ? this.#d.record.resume : false,
    });
    await this.#d.emit('engine.stopped', {
      reason: request.reason,
      cancelOrders: request.cancelOrders,
      flatten: request.flatten ?? false,
      ...(this.#flattenOutcome ? { flattenState: this.#flattenOutcome.state, remaining: this.#flattenOutcome.remaining } : {}),
    });
  }

  /** The flatten procedure itself failed (storage, a bug): as loud as any other incomplete flatten. */
  async #flattenAborted(reason: string): Promise<void> {
    const remaining = this.#d.portfolio.ledger(this.#d.market.symbol).quantity.toFixed();
    this.#flattenOutcome = { state: 'incomplete', remaining, reason, at: this.#iso() };
    await this.#d.emit('engine.flatten_incomplete', { remaining, reason, at: this.#flattenOutcome.at });
  }

  /** Emergency stop with flatten: cancel, settle every fill, close the final position, verify (./flatten.ts). */
  #flatten(reason: string): Promise<FlattenOutcome> {
    return flattenPosition(
      {
        market: this.#d.market,
        risk: this.#d.risk,
        orders: this.#d.orders,
        portfolio: this.#d.portfolio,
        exchange: this.#d.venue.exchange,
        clock: this.#d.clock,
        mark: this.#tick.mark,
        emit: this.#d.emit,
        ...(this.#d.flattenSettleMs !== undefined ? { settleMs: this.#d.flattenSettleMs } : {}),
      },
      reason,
    );
  }

  #iso(): string {
    return new Date(this.#d.clock.now()).toISOString();
  }
}
