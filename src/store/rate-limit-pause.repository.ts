import type { Kysely } from 'kysely';
import type { JournaledPause, PauseJournal } from '../ratelimit/pause-journal.js';
import type { Database } from './schema.js';

/** Rate-limit pauses in force, on SQLite and Postgres (migration 0006). */
export class SqlPauseJournal implements PauseJournal {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async record(pause: JournaledPause): Promise<void> {
    await this.#db
      .insertInto('rate_limit_pauses')
      .values({
        scope: pause.scope,
        until_ms: Math.ceil(pause.until),
        reason: pause.reason,
        status_code: pause.statusCode ?? null,
        recorded_at: new Date().toISOString(),
      })
      .onConflict((oc) =>
        oc
          .column('scope')
          .doUpdateSet({
            until_ms: (eb) => eb.ref('excluded.until_ms'),
            reason: (eb) => eb.ref('excluded.reason'),
            status_code: (eb) => eb.ref('excluded.status_code'),
            recorded_at: (eb) => eb.ref('excluded.recorded_at'),
          })
          // A shorter pause arriving late (another process, a slower response) never shortens a ban.
          .where('rate_limit_pauses.until_ms', '<', (eb) => eb.ref('excluded.until_ms')),
      )
      .execute();
  }

  async active(now: number): Promise<JournaledPause[]> {
    await this.#db.deleteFrom('rate_limit_pauses').where('until_ms', '<=', now).execute();
    const rows = await this.#db.selectFrom('rate_limit_pauses').selectAll().orderBy('scope').execute();
    return rows.map((row) => ({
      scope: row.scope,
      until: Number(row.until_ms),
      reason: row.reason,
      ...(row.status_code === null ? {} : { statusCode: Number(row.status_code) }),
    }));
  }
}
