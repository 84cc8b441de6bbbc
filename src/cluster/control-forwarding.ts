import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { CtsError } from '../domain/errors.js';
import {
  ReplyAssembler,
  asciiJson,
  decodeMessage,
  encodeReply,
  type ControlAction,
  type ControlOptions,
  type ControlRequest,
  type ControlResult,
  type ForwardedProblem,
} from './control-messages.js';

/**
 * Control requests (stop, pause, resume, emergency stop) carried to the process that owns the engine
 * and answered back, correlated by a request id (docs/deployment.md, "Control requests in a cluster").
 * The owner acknowledges at once, runs the action through its own engine service, and replies with
 * the status body or the problem it would have answered locally. This module only moves requests and
 * answers; deciding where a request goes, and what a silence means, is `control-forwarding-engine.ts`.
 */

/** An engine status body: the owner's own fields, whatever they are. */
export interface StatusBody {
  /** The engine's own id. */
  readonly id: string;
  readonly connectionId: string;
  readonly state: string;
}

/** The control calls of this process's engine service (EngineService has them). */
export interface LocalEngineControl {
  runsHere(engineId: string): boolean;
  stop(engineId: string, options?: { cancelOpenOrders?: boolean }): Promise<StatusBody>;
  pause(engineId: string): Promise<StatusBody>;
  resume(engineId: string): Promise<StatusBody>;
  emergencyStop(engineId: string, options?: { flatten?: boolean }): Promise<StatusBody>;
}

/** The transport (PgControlChannel): a channel per process, payloads of at most 8,000 bytes. */
export interface ControlChannel {
  start(onPayload: (payload: string) => void): Promise<void>;
  send(instanceId: string, payloads: string[]): Promise<void>;
}

/** A problem to answer exactly as it is (the owner's answer, or the forwarder's own). */
export class ForwardedProblemError extends CtsError {
  readonly code = 'forwarded_problem';
  constructor(readonly problem: ForwardedProblem) {
    super(problem.detail);
  }
}

export function executeControl(local: LocalEngineControl, action: ControlAction, engineId: string, options: ControlOptions): Promise<StatusBody> {
  switch (action) {
    case 'stop':
      return local.stop(engineId, options.cancelOpenOrders === undefined ? {} : { cancelOpenOrders: options.cancelOpenOrders });
    case 'pause':
      return local.pause(engineId);
    case 'resume':
      return local.resume(engineId);
    case 'emergency-stop':
      return local.emergencyStop(engineId, { flatten: options.flatten ?? false });
  }
}

export type ForwardOutcome = { kind: 'answered'; result: ControlResult } | { kind: 'no-ack' } | { kind: 'no-result' };

export interface ControlForwarderOptions {
  channel: ControlChannel;
  instanceId: string;
  clock: Clock;
  /** How long the owner has to acknowledge a request before it counts as gone. */
  ackTimeoutMs: number;
  /** How long an acknowledged request may run (an emergency stop waits for the exchange). */
  resultTimeoutMs: number;
  /** Runs requests sent to this process. */
  local: LocalEngineControl;
  /** An error of a local run → the problem the API would answer for it. */
  toProblem: (error: unknown) => ForwardedProblem;
  onError?: (error: unknown) => void;
}

interface Pending {
  acked(): void;
  settle(result: ControlResult): void;
}

const TIMEOUT: unique symbol = Symbol('timeout');

export class ControlForwarder {
  readonly #o: ControlForwarderOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #replies = new ReplyAssembler();

  constructor(options: ControlForwarderOptions) {
    this.#o = options;
  }

  get ackTimeoutMs(): number {
    return this.#o.ackTimeoutMs;
  }

  get resultTimeoutMs(): number {
    return this.#o.resultTimeoutMs;
  }

  /** Listens for requests to this process and answers to its own; resolves once listening. */
  start(): Promise<void> {
    return this.#o.channel.start((payload) => this.#receive(payload));
  }

  /** Sends the request to `ownerId` and waits for its acknowledgement, then for its answer. */
  async forward(ownerId: string, request: { action: ControlAction; engineId: string; options: ControlOptions }): Promise<ForwardOutcome> {
    const id = randomUUID();
    const ack = deferred<void>();
    const answer = deferred<ControlResult>();
    this.#pending.set(id, {
      acked: () => ack.resolve(),
      settle: (result) => {
        ack.resolve(); // an answer is an acknowledgement too, should the ack itself be late
        answer.resolve(result);
      },
    });
    try {
      const message: ControlRequest = { kind: 'request', id, from: this.#o.instanceId, ...request };
      await this.#o.channel.send(ownerId, [asciiJson(message)]);
      if ((await this.#within(this.#o.ackTimeoutMs, ack.promise)) === TIMEOUT) return { kind: 'no-ack' };
      const result = await this.#within(this.#o.resultTimeoutMs, answer.promise);
      return result === TIMEOUT ? { kind: 'no-result' } : { kind: 'answered', result };
    } finally {
      this.#pending.delete(id);
      this.#replies.forget(id);
    }
  }

  #receive(payload: string): void {
    const message = decodeMessage(payload);
    if (!message) return;
    if (message.kind === 'request') {
      void this.#serve(message);
    } else if (message.kind === 'ack') {
      this.#pending.get(message.id)?.acked();
    } else if (this.#pending.has(message.id)) {
      const result = this.#replies.add(message);
      if (result) this.#pending.get(message.id)?.settle(result);
    }
  }

  async #serve(request: ControlRequest): Promise<void> {
    const send = (payloads: string[]): Promise<void> => this.#o.channel.send(request.from, payloads).catch((error: unknown) => this.#o.onError?.(error));
    await send([asciiJson({ kind: 'ack', id: request.id })]);
    let result: { ok: true; status: StatusBody } | { ok: false; problem: ForwardedProblem };
    try {
      result = { ok: true, status: await executeControl(this.#o.local, request.action, request.engineId, request.options) };
    } catch (error) {
      result = { ok: false, problem: this.#o.toProblem(error) };
    }
    await send(encodeReply(request.id, result));
  }

  async #within<T>(ms: number, promise: Promise<T>): Promise<T | typeof TIMEOUT> {
    const abort = new AbortController();
    try {
      return await Promise.race([promise, this.#o.clock.sleep(ms, abort.signal).then((): typeof TIMEOUT => TIMEOUT)]);
    } finally {
      abort.abort();
    }
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
