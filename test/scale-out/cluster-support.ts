import { request } from 'node:http';
import pg from 'pg';
import { POSTGRES_URL } from '../support/postgres.js';

/** Helpers of the multi-process test: JSON over HTTP, an SSE reader, and direct reads of the lease table. */

export async function api(base: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export interface SseEvent {
  id: number | undefined;
  type: string;
  data: { engineId?: string; type?: string; seq?: number; payload?: Record<string, unknown> };
}

/** A live SSE client: collects every event it receives until closed. */
export function openSse(url: string): { events: SseEvent[]; close(): void; ready: Promise<void> } {
  const events: SseEvent[] = [];
  let close = (): void => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const i = line.indexOf(': ');
            if (i > 0) fields.set(line.slice(0, i), line.slice(i + 2));
          }
          const data = fields.get('data');
          if (!data || !fields.has('event')) continue;
          const id = fields.get('id');
          events.push({ id: id === undefined ? undefined : Number(id), type: fields.get('event') ?? '', data: JSON.parse(data) as SseEvent['data'] });
        }
      });
      res.on('error', () => undefined);
      resolve();
    });
    req.on('error', reject);
    req.end();
    close = () => req.destroy();
  });
  return { events, close: () => close(), ready };
}

export interface LeaseInfo {
  ownerId: string;
  expiresAt: number;
  /** When its current owner took it (epoch ms, that owner's clock). */
  acquiredAt: number;
  pid: number | null;
}

export async function leaseOf(schema: string, engineId: string): Promise<LeaseInfo | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query<{ owner_id: string; expires_at: string; acquired_at: string; pid: number | null }>(
      `select l.owner_id, l.expires_at, l.acquired_at, m.pid from ${schema}.engine_leases l left join ${schema}.cluster_members m on m.instance_id = l.owner_id where l.engine_id = $1`,
      [engineId],
    );
    const row = result.rows[0];
    return row ? { ownerId: row.owner_id, expiresAt: Number(row.expires_at), acquiredAt: Date.parse(row.acquired_at), pid: row.pid } : undefined;
  } finally {
    await client.end();
  }
}

export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
