import type { Clock } from '../domain/clock.js';
import type { EngineOwnerView } from '../domain/engine-status.js';
import { ConflictError } from '../domain/errors.js';
import { describeOwner, type EngineOwner, type EngineOwnership } from '../engine/ownership.js';
import type { LeaseRow, MemberRow } from '../store/cluster.repository.js';
import type { ControlAction, ControlOptions, ForwardedProblem } from './control-messages.js';
import { ForwardedProblemError, executeControl, type ControlForwarder, type LocalEngineControl, type StatusBody } from './control-forwarding.js';

/**
 * The engine control of one cluster member, as the API sees it: a control request for an engine this
 * process runs is executed here; one for an engine another live process owns is forwarded to that
 * owner and its answer returned as it is; when the owner does not answer, a 503 says who it was,
 * until when its lease runs and what to do — never a silent success. Status reads are local (the
 * database is shared) and name each engine's owner.
 */

export type StatusWithOwner<S> = S & { owner: EngineOwnerView | null };

/** What the trade engine routes call (EngineService itself on a single process). */
export interface EngineControl {
  stop(engineId: string, options?: { cancelOpenOrders?: boolean }): Promise<StatusBody>;
  pause(engineId: string): Promise<StatusBody>;
  resume(engineId: string): Promise<StatusBody>;
  emergencyStop(engineId: string, options?: { flatten?: boolean }): Promise<StatusBody>;
  status(engineId: string): Promise<StatusBody>;
  /** Every engine, or those of one connection. */
  statusAll(filter?: { connectionId?: string }): Promise<StatusBody[]>;
}

export interface ClusterEngineControlOptions<S extends StatusBody> {
  local: LocalEngineControl & { status(engineId: string): Promise<S>; statusAll(filter?: { connectionId?: string }): Promise<S[]> };
  forwarder: Pick<ControlForwarder, 'forward' | 'ackTimeoutMs' | 'resultTimeoutMs'>;
  ownership: Pick<EngineOwnership, 'ownerElsewhere' | 'instanceId'>;
  leases: { find(engineId: string): Promise<LeaseRow | undefined> };
  members: { find(instanceId: string): Promise<MemberRow | undefined> };
  clock: Clock;
  /** The takeover scan interval, named in the answer when an owner is gone. */
  scanMs: number;
  problem: (status: number, slug: string, detail: string) => ForwardedProblem;
}

export class ClusterEngineControl<S extends StatusBody> implements EngineControl {
  readonly #o: ClusterEngineControlOptions<S>;

  constructor(options: ClusterEngineControlOptions<S>) {
    this.#o = options;
  }

  stop(engineId: string, options: { cancelOpenOrders?: boolean } = {}): Promise<StatusBody> {
    return this.#control('stop', engineId, options.cancelOpenOrders === undefined ? {} : { cancelOpenOrders: options.cancelOpenOrders });
  }

  pause(engineId: string): Promise<StatusBody> {
    return this.#control('pause', engineId, {});
  }

  resume(engineId: string): Promise<StatusBody> {
    return this.#control('resume', engineId, {});
  }

  emergencyStop(engineId: string, options: { flatten?: boolean } = {}): Promise<StatusBody> {
    return this.#control('emergency-stop', engineId, { flatten: options.flatten ?? false });
  }

  async status(engineId: string): Promise<StatusWithOwner<S>> {
    const status = await this.#o.local.status(engineId);
    return { ...status, owner: await this.ownerOf(engineId) };
  }

  async statusAll(filter: { connectionId?: string } = {}): Promise<StatusWithOwner<S>[]> {
    const all = await this.#o.local.statusAll(filter);
    return Promise.all(all.map(async (status) => ({ ...status, owner: await this.ownerOf(status.id) })));
  }

  async ownerOf(engineId: string): Promise<EngineOwnerView | null> {
    const lease = await this.#o.leases.find(engineId);
    if (!lease || lease.expiresAt <= this.#o.clock.now()) return null;
    const member = await this.#o.members.find(lease.ownerId);
    return {
      instanceId: lease.ownerId,
      host: member?.host ?? null,
      pid: member?.pid ?? null,
      url: member?.url ?? null,
      self: lease.ownerId === this.#o.ownership.instanceId,
      leaseExpiresAt: new Date(lease.expiresAt).toISOString(),
    };
  }

  async #control(action: ControlAction, engineId: string, options: ControlOptions): Promise<StatusBody> {
    const answer = await this.#route(action, engineId, options);
    const withOwner: StatusWithOwner<StatusBody> = { ...answer, owner: await this.ownerOf(engineId) };
    return withOwner;
  }

  async #route(action: ControlAction, engineId: string, options: ControlOptions): Promise<StatusBody> {
    if (this.#o.local.runsHere(engineId)) return executeControl(this.#o.local, action, engineId, options);
    const owner = await this.#o.ownership.ownerElsewhere(engineId);
    if (owner) return this.#forward(owner, action, engineId, options);
    try {
      return await executeControl(this.#o.local, action, engineId, options);
    } catch (error) {
      // Another process may have taken the engine between the look-up and the local run: ask it.
      if (!(error instanceof ConflictError)) throw error;
      const now = await this.#o.ownership.ownerElsewhere(engineId);
      if (!now) throw error;
      return this.#forward(now, action, engineId, options);
    }
  }

  async #forward(owner: EngineOwner, action: ControlAction, engineId: string, options: ControlOptions): Promise<StatusBody> {
    const outcome = await this.#o.forwarder.forward(owner.ownerId, { action, engineId, options });
    if (outcome.kind === 'answered') {
      if (outcome.result.ok) return outcome.result.status;
      throw new ForwardedProblemError(outcome.result.problem);
    }
    if (outcome.kind === 'no-result') {
      const seconds = Math.round(this.#o.forwarder.resultTimeoutMs / 1000);
      throw new ForwardedProblemError(
        this.#o.problem(
          504,
          'engine-owner-timeout',
          `${notConfirmed(action)}: ${describeOwner(owner)} received it but did not answer within ${seconds} s. It may still be carrying it out ` +
            "(an emergency stop waits for the exchange): check the engine's status before sending it again.",
        ),
      );
    }
    throw new ForwardedProblemError(this.#o.problem(503, 'engine-owner-unreachable', await this.#silence(owner, action, engineId)));
  }

  /** What a missing acknowledgement means, read from the lease as it is now. */
  async #silence(owner: EngineOwner, action: ControlAction, engineId: string): Promise<string> {
    const waited = `${describeOwner(owner)} owns the engine but did not answer within ${(this.#o.forwarder.ackTimeoutMs / 1000).toFixed(1)} s`;
    const nothingHere = action === 'emergency-stop' ? ' This process cancelled and flattened nothing; if you cannot wait, act on the exchange directly.' : '';
    const lease = await this.#o.leases.find(engineId);
    const now = this.#o.clock.now();
    if (!lease || lease.expiresAt <= now) {
      const expired = lease ? `its lease expired at ${new Date(lease.expiresAt).toISOString()}` : 'its lease is gone';
      return `${notConfirmed(action)}: ${waited}, and ${expired}: the process is gone. Send the request again now: with no live owner it is handled by this process, or by the one that takes the engine over at its next scan (every ${this.#scanSeconds()} s).${nothingHere}`;
    }
    if (lease.ownerId !== owner.ownerId) {
      return `${notConfirmed(action)}: ${waited}, and the engine has meanwhile moved to CTS process ${lease.ownerId}. Send the request again: it goes to the new owner.${nothingHere}`;
    }
    return (
      `${notConfirmed(action)}: ${waited}; it may be gone. Its lease expires at ${new Date(lease.expiresAt).toISOString()} unless it renews it; ` +
      `after that another process takes the engine over at its next scan (every ${this.#scanSeconds()} s), and the request can be sent again.${nothingHere}`
    );
  }

  #scanSeconds(): number {
    return Math.max(1, Math.round(this.#o.scanMs / 1000));
  }
}

function notConfirmed(action: ControlAction): string {
  return action === 'emergency-stop' ? 'The emergency stop is NOT confirmed' : `The ${action} is not confirmed`;
}
