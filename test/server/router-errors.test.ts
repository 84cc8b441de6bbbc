import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTempSystem, type TempSystem } from '../support/temp-system.js';

/**
 * Errors raised before any route runs (Node's HTTP parser, Fastify's router) answer in the problem
 * shape. fastify.inject skips the HTTP parser, so these go over a raw socket to a real listening
 * server on 127.0.0.1.
 */
let t: TempSystem;
let port: number;

beforeAll(async () => {
  t = await startTempSystem({ CTS_HOST: '127.0.0.1' });
  port = Number(new URL(await t.system.listen()).port);
});
afterAll(async () => {
  await t.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are and reads until the server closes (every request here says Connection: close). */
function raw(text: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(out.slice(0, 200))}`));
    });
    socket.on('data', (d: Buffer) => (out += d.toString('utf8')));
    socket.on('error', () => undefined); // the server may reset after answering
    socket.on('close', () => {
      const [head = '', ...rest] = out.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(text);
  });
}

const get = (target: string, extra = '') => raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`);
const postWith = (headers: string, body = '{}') =>
  raw(`POST /api/settings/connections HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}Connection: close\r\n\r\n${body}`);

function expectProblem(answer: RawAnswer, status: number, slug: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `https://cts.local/problems/${slug}`, status });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(answer.body).not.toMatch(/at .*\.(js|ts):\d+/); // no stack
}

describe('router-level errors in the problem shape', () => {
  it('an undecodable path (%ff) is 400', async () => {
    expectProblem(await get('/api/settings/connections/%ff'), 400, 'bad-url');
    expectProblem(await get('/api/trade-engine/status/%ff%fe'), 400, 'bad-url');
  });

  it('an over-long path parameter is 414', async () => {
    expectProblem(await get(`/api/settings/connections/${'A'.repeat(201)}`), 414, 'uri-too-long');
    // At the limit it is routed, and the id schema answers.
    expectProblem(await get(`/api/settings/connections/${'A'.repeat(200)}`), 400, 'validation-failed');
  });

  it('an over-long header or query is 431', async () => {
    expectProblem(await get('/api/settings/connections', `X-Filler: ${'a'.repeat(17_000)}\r\n`), 431, 'headers-too-large');
    expectProblem(await get(`/api/settings/connections?exchange=${'b'.repeat(17_000)}`), 431, 'headers-too-large');
  });

  it.each([
    ['not a number', 'Content-Length: abc\r\n'],
    ['negative', 'Content-Length: -1\r\n'],
    ['beyond any integer', 'Content-Length: 99999999999999999999\r\n'],
    ['two different values', 'Content-Length: 2\r\nContent-Length: 3\r\n'],
    ['with chunked transfer encoding', 'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n'],
  ])('a bad Content-Length (%s) is 400', async (_what, headers) => {
    expectProblem(await postWith(headers), 400, 'bad-content-length');
  });

  it('a request that is not HTTP at all is 400, and ordinary requests still work afterwards', async () => {
    expectProblem(await raw('HELLO\r\n\r\n'), 400, 'bad-request');
    expect((await get('/api/settings/connections')).status).toBe(200);
  });

  it('HEAD /api/trade-engine/events answers with the stream headers instead of hanging', async () => {
    const answer = await raw('HEAD /api/trade-engine/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toContain('text/event-stream');
    expect(answer.body).toBe('');
  });
});
