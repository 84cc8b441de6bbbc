import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempSystem, type TempSystem } from '../support/temp-system.js';

const TOKEN = 'admin-token-0123456789-abcdef';

describe('with an admin token', () => {
  let t: TempSystem;
  beforeAll(async () => {
    t = await startTempSystem({ CTS_ADMIN_TOKEN: TOKEN, CTS_CORS_ORIGIN: 'http://localhost:5173' });
  });
  afterAll(async () => t.close());

  it('every /api route requires the bearer token (401 otherwise)', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await t.system.app.inject({ method: 'GET', url: '/api/settings/connections', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).not.toContain(TOKEN);
    }
    const ok = await t.system.app.inject({ method: 'GET', url: '/api/settings/connections', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    const post = await t.system.app.inject({ method: 'POST', url: '/api/settings/connections', payload: {} });
    expect(post.statusCode).toBe(401);
  });

  it('the token never reaches the logs', () => {
    expect(t.logs.text).not.toContain(TOKEN);
  });

  it('allows only the configured CORS origin', async () => {
    const pre = await t.system.app.inject({ method: 'OPTIONS', url: '/api/settings/connections', headers: { origin: 'http://localhost:5173' } });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    const other = await t.system.app.inject({ method: 'GET', url: '/api/openapi.json', headers: { origin: 'http://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('defaults', () => {
  let t: TempSystem;
  beforeAll(async () => {
    t = await startTempSystem({ CTS_BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(async () => t.close());

  it('needs no token on loopback and sends no CORS headers', async () => {
    const res = await t.system.app.inject({ method: 'GET', url: '/api/settings/connections', headers: { origin: 'http://evil.example' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await t.system.app.inject({
      method: 'POST',
      url: '/api/settings/connections',
      payload: JSON.stringify({ name: 'x'.repeat(5000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, title: 'Payload Too Large' });
  });

  it('serves the OpenAPI document generated from the zod schemas, and /docs', async () => {
    const res = await t.system.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; additionalProperties?: boolean } }> } }>> };
    expect(doc.openapi).toBe('3.0.3');
    for (const path of ['/api/settings/connections', '/api/settings/connections/{id}', '/api/settings/connections/{id}/test', '/api/settings/connections/batch-test', '/api/settings/connections/health']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const create = doc.paths['/api/settings/connections']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(create?.properties ?? {})).toEqual(expect.arrayContaining(['name', 'exchange', 'marketTypes', 'mode', 'apiKey']));
    expect(create?.additionalProperties).toBe(false);
    const docs = await t.system.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});
