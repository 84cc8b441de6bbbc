import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Clock } from '../domain/clock.js';
import type { Database } from '../store/schema.js';

/**
 * Postgres LISTEN/NOTIFY between the processes of one installation, for forwarded control requests.
 * Each process listens on its own channel (named from the installation and its instance id) on one
 * dedicated session, and sends through the shared pool. NOTIFY is delivered to the sessions listening
 * at commit time and never stored: a message to a process that is gone is simply lost, which the
 * sender turns into a timeout answer. A dropped listening session is dialled again every second.
 */

export interface PgControlChannelOptions {
  databaseUrl: string;
  /** What the installation is (database + schema): channels of two installations never meet. */
  installation: string;
  instanceId: string;
  /** The pool messages are sent through. */
  db: Kysely<Database>;
  clock: Clock;
  onError?: (error: unknown) => void;
  reconnectMs?: number;
}

/** A channel name: a lower-case identifier well under Postgres's 63 characters. */
export function controlChannelName(installation: string, instanceId: string): string {
  const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `cts_control_${hash(installation)}_${hash(instanceId)}`;
}

export class PgControlChannel {
  readonly #o: PgControlChannelOptions;
  readonly #own: string;
  readonly #stop = new AbortController();
  #client: pg.Client | undefined;
  #onPayload: (payload: string) => void = () => undefined;
  #listening: Promise<void> | undefined;

  constructor(options: PgControlChannelOptions) {
    this.#o = options;
    this.#own = controlChannelName(options.installation, options.instanceId);
  }

  /** Resolves once listening (the first time); later drops are re-dialled in the background. */
  start(onPayload: (payload: string) => void): Promise<void> {
    this.#onPayload = onPayload;
    this.#listening ??= this.#listen();
    return this.#listening;
  }

  /** Sends the payloads to `instanceId`'s channel in one statement (so in one transaction, in order). */
  async send(instanceId: string, payloads: string[]): Promise<void> {
    const channel = controlChannelName(this.#o.installation, instanceId);
    const calls = payloads.map((p) => sql`pg_notify(${channel}, ${p})`);
    await sql`select ${sql.join(calls)}`.execute(this.#o.db);
  }

  async close(): Promise<void> {
    this.#stop.abort();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#o.databaseUrl, application_name: 'cts-control', keepAlive: true, connectionTimeoutMillis: 5_000 });
    client.on('notification', (message) => {
      if (message.channel === this.#own && message.payload !== undefined) this.#onPayload(message.payload);
    });
    const lost = (error?: unknown): void => {
      if (this.#client !== client) return;
      this.#client = undefined;
      if (error) this.#o.onError?.(error);
      client.end().catch(() => undefined);
      void this.#redial();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`listen "${this.#own}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#stop.signal.aborted) await client.end().catch(() => undefined);
    else this.#client = client;
  }

  async #redial(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        await this.#o.clock.sleep(this.#o.reconnectMs ?? 1_000, this.#stop.signal);
      } catch {
        return; // closed
      }
      try {
        await this.#listen();
        return;
      } catch (error) {
        this.#o.onError?.(error);
      }
    }
  }
}
