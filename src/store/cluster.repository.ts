import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/**
 * Engine leases and cluster membership on SQLite and Postgres (migration 0005). The acquire is one
 * atomic compare-and-set: an upsert whose update only applies when the lease is free, expired, or
 * already this owner's; the row lock (Postgres) or the single writer (SQLite) makes it race-free.
 */

export interface LeaseRow {
  engineId: string;
  ownerId: string;
  token: number;
  expiresAt: number;
}

export class SqlLeaseStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Takes the lease when free, expired (`expires_at <= now`) or ours; returns the new fencing token, or undefined. */
  async acquire(p: { engineId: string; ownerId: string; now: number; expiresAt: number }): Promise<number | undefined> {
    const row = await this.#db
      .insertInto('engine_leases')
      .values({ engine_id: p.engineId, owner_id: p.ownerId, token: 1, expires_at: p.expiresAt, acquired_at: new Date(p.now).toISOString() })
      .onConflict((oc) =>
        oc
          .column('engine_id')
          .doUpdateSet({
            owner_id: (eb) => eb.ref('excluded.owner_id'),
            // Every acquire gets a new token, even by the same owner: a late release of the old one is a no-op.
            token: sql<number>`engine_leases.token + 1`,
            expires_at: (eb) => eb.ref('excluded.expires_at'),
            acquired_at: (eb) => eb.ref('excluded.acquired_at'),
          })
          .where((eb) => eb.or([eb('engine_leases.owner_id', '=', p.ownerId), eb('engine_leases.expires_at', '<=', p.now)])),
      )
      .returning('token')
      .executeTakeFirst();
    return row ? Number(row.token) : undefined;
  }

  /** Extends the lease if it is still this owner's with this token (nobody took it meanwhile). */
  async renew(p: { engineId: string; ownerId: string; token: number; expiresAt: number }): Promise<boolean> {
    const result = await this.#db
      .updateTable('engine_leases')
      .set({ expires_at: p.expiresAt })
      .where('engine_id', '=', p.engineId)
      .where('owner_id', '=', p.ownerId)
      .where('token', '=', p.token)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Frees the lease (expires it) if it is still this owner's with this token; the row stays so tokens keep growing. */
  async release(p: { engineId: string; ownerId: string; token: number }): Promise<void> {
    await this.#db
      .updateTable('engine_leases')
      .set({ expires_at: 0 })
      .where('engine_id', '=', p.engineId)
      .where('owner_id', '=', p.ownerId)
      .where('token', '=', p.token)
      .execute();
  }

  async find(engineId: string): Promise<LeaseRow | undefined> {
    const row = await this.#db.selectFrom('engine_leases').selectAll().where('engine_id', '=', engineId).executeTakeFirst();
    return row ? { engineId: row.engine_id, ownerId: row.owner_id, token: Number(row.token), expiresAt: Number(row.expires_at) } : undefined;
  }
}

export interface MemberRow {
  id: string;
  pid: number;
  host: string;
  url: string | null;
  startedAt: string;
  lastSeenMs: number;
}

export class SqlMemberStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async heartbeat(member: MemberRow): Promise<void> {
    await this.#db
      .insertInto('cluster_members')
      .values({ instance_id: member.id, pid: member.pid, host: member.host, url: member.url, started_at: member.startedAt, last_seen_ms: member.lastSeenMs })
      .onConflict((oc) => oc.column('instance_id').doUpdateSet({ url: member.url, last_seen_ms: member.lastSeenMs }))
      .execute();
  }

  /** Members seen at or after `sinceMs`, oldest first. */
  async seenSince(sinceMs: number): Promise<MemberRow[]> {
    const rows = await this.#db.selectFrom('cluster_members').selectAll().where('last_seen_ms', '>=', sinceMs).orderBy('started_at').execute();
    return rows.map((r) => ({ id: r.instance_id, pid: r.pid, host: r.host, url: r.url, startedAt: r.started_at, lastSeenMs: Number(r.last_seen_ms) }));
  }

  async find(id: string): Promise<MemberRow | undefined> {
    const r = await this.#db.selectFrom('cluster_members').selectAll().where('instance_id', '=', id).executeTakeFirst();
    return r ? { id: r.instance_id, pid: r.pid, host: r.host, url: r.url, startedAt: r.started_at, lastSeenMs: Number(r.last_seen_ms) } : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.#db.deleteFrom('cluster_members').where('instance_id', '=', id).execute();
  }

  /** Drops rows of processes not seen since `beforeMs` (crashed ones never remove themselves). */
  async prune(beforeMs: number): Promise<void> {
    await this.#db.deleteFrom('cluster_members').where('last_seen_ms', '<', beforeMs).execute();
  }
}
