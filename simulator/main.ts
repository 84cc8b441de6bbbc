import { parseArgs } from 'node:util';
import { csvPriceSource, parsePriceCsvArgs } from './core/price-csv.js';
import { DEFAULT_MARKETS } from './matching/markets.js';
import { startSimulator } from './server.js';

/**
 * `npm run simulator -- [flags]`: runs the loopback exchange simulator until SIGINT/SIGTERM. Point
 * ccxt at it with `proxyUrl: <printed url>`, CTS with CTS_EXCHANGE_PROXY_URL (docs/simulator.md).
 */
const USAGE = `Usage: npm run simulator -- [flags]

  --port N                     TCP port on 127.0.0.1 (default 0: any free port)
  --seed S                     seed of the random-walk price paths (default 42)
  --random-walk                every symbol walks randomly (default: XRP/USDT replays bundled candles)
  --auto-step-ms MS            move every price path one candle each MS milliseconds
  --wall-clock-ms MS           every symbol walks on MS-long candles aligned to the wall clock, one candle
                               each MS (what a bot reading candles by time needs, e.g. a pair list)
  --prices-csv SYMBOL=FILE     replay SYMBOL's candles from FILE (timestamp_ms,open,high,low,close,volume); repeatable
  --help                       print this help

Markets: ${DEFAULT_MARKETS.map((m) => m.symbol).join(', ')}. Control API: /__sim/... (see docs/simulator.md).
`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    'random-walk': { type: 'boolean', default: false },
    'auto-step-ms': { type: 'string' },
    'wall-clock-ms': { type: 'string' },
    'prices-csv': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`Expected --${name} to be an integer from ${min} to ${max}, got ${text}\n`);
    process.exit(2);
  }
  return n;
}

let csvFiles: Map<string, string>;
try {
  csvFiles = parsePriceCsvArgs(values['prices-csv'], DEFAULT_MARKETS);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const base = values['random-walk'] ? 'random-walk' : 'replay';
const wallClock = values['wall-clock-ms'] === undefined ? undefined : integer('wall-clock-ms', values['wall-clock-ms'], 1_000, 86_400_000);
if (wallClock !== undefined && (csvFiles.size > 0 || values['auto-step-ms'] !== undefined)) {
  process.stderr.write('--wall-clock-ms walks every symbol on its own schedule: it takes neither --prices-csv nor --auto-step-ms\n');
  process.exit(2);
}
const seed = integer('seed', values.seed, 0, 2 ** 31);
let sim: Awaited<ReturnType<typeof startSimulator>>;
try {
  sim = await startSimulator({
    port: integer('port', values.port, 0, 65_535),
    seed,
    ...(wallClock !== undefined
      ? { wallClockMs: wallClock }
      : {
          priceSource: csvFiles.size > 0 ? csvPriceSource(csvFiles, base, DEFAULT_MARKETS) : base,
          ...(values['auto-step-ms'] !== undefined ? { autoStepMs: integer('auto-step-ms', values['auto-step-ms'], 1, 86_400_000) } : {}),
        }),
  });
} catch (error) {
  process.stderr.write(`Simulator did not start: ${(error as Error).message}\n`);
  process.exit(2);
}
process.stdout.write(
  `CTS exchange simulator listening on ${sim.url}\n` +
    `  ccxt option: proxyUrl: '${sim.url}'\n` +
    `  control API: ${sim.url}__sim/health (accounts, faults, clock-skew, requests, step, prices, fee-assets, reset)\n`,
);

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
