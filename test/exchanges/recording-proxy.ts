import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { originalUrl } from '../../simulator/server.js';

/**
 * A loopback hop between ccxt and the simulator that records every URL ccxt asks for — including hosts
 * the simulator does not serve and therefore does not log (Binance's futures host fapi.binance.com) —
 * and forwards it unchanged, so the answer is the simulator's own. `fixtures` answer given
 * `host + path` itself (for public data the simulator lacks, e.g. the futures exchangeInfo).
 */

export interface ProxiedRequest {
  method: string;
  host: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface RecordingProxy {
  /** For ccxt's `proxyUrl`. */
  readonly url: string;
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string, fixtures: Readonly<Record<string, unknown>> = {}): Promise<RecordingProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // ccxt's proxyUrl mode requests `/` + the full original URL (percent-encoded on signed calls).
      const original = originalUrl(req.url ?? '/');
      requests.push({ method: req.method ?? 'GET', host: original.hostname, path: original.pathname, query: original.searchParams, headers: req.headers, body: body.toString() });
      const fixture = fixtures[original.hostname + original.pathname];
      if (fixture !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(fixture));
        return;
      }
      const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
