import { parentPort, workerData } from 'node:worker_threads';
import { parseCandleCsv } from '../../exchanges/simulated/candle-csv.js';
import { StrategyRegistry } from '../strategies/registry.js';
import type { StrategyDefinition } from '../strategy.js';
import { runBacktestSync } from './backtest.js';
import type { PreparedData } from './data-source.js';
import type { WorkerStrategyLoader } from './sweep-strategy-source.js';
import { metricsOf, type FromWorker, type SweepWorkerData, type ToWorker } from './sweep.js';

/**
 * One sweep worker: reads the shared candles once, gets the strategy (a built-in by id, any other from
 * the module its source names), says `ready`, then runs the combinations it is handed, one at a time.
 */
const input = workerData as SweepWorkerData;
const text = Buffer.from(input.csv, 0, input.bytes).toString('utf8');
const { perpetual, ...meta } = input.meta;
const data: PreparedData = { ...meta, series: parseCandleCsv(text, 'sweep candles') };
if (perpetual) {
  const mark = perpetual.mark && input.mark ? { ...perpetual.mark, series: parseCandleCsv(Buffer.from(input.mark.csv, 0, input.mark.bytes).toString('utf8'), 'sweep mark prices') } : null;
  data.perpetual = { ...perpetual, mark };
}

async function loadDefinition(): Promise<StrategyDefinition> {
  const id = input.request.strategy;
  if (input.strategy.kind === 'built-in') return new StrategyRegistry().get(id);
  const loader = (await import(input.strategy.loader)) as { loadWorkerStrategy?: unknown };
  if (typeof loader.loadWorkerStrategy !== 'function') throw new Error(`${input.strategy.loader} has no loadWorkerStrategy export`);
  return (loader.loadWorkerStrategy as WorkerStrategyLoader)(input.strategy.module, id);
}

function serve(definition: StrategyDefinition, port: NonNullable<typeof parentPort>): void {
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') process.exit(0);
    let reply: FromWorker;
    try {
      reply = { type: 'result', index: message.index, metrics: metricsOf(runBacktestSync(input.request, definition, data, message.params)) };
    } catch (error) {
      reply = { type: 'error', index: message.index, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

const port = parentPort;
if (port) {
  loadDefinition().then(
    (definition) => serve(definition, port),
    (error: unknown) => port.postMessage({ type: 'unavailable', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker),
  );
}
