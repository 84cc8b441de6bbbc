import { parentPort, workerData } from 'node:worker_threads';
import { parseCandleCsv } from '../../exchanges/simulated/candle-csv.js';
import { StrategyRegistry } from '../strategies/registry.js';
import { runBacktestSync } from './backtest.js';
import type { PreparedData } from './data-source.js';
import { metricsOf, type FromWorker, type SweepWorkerData, type ToWorker } from './sweep.js';

/** One sweep worker: reads the shared candles once, then runs the combinations it is handed, one at a time. */
const input = workerData as SweepWorkerData;
const text = Buffer.from(input.csv, 0, input.bytes).toString('utf8');
const data: PreparedData = { ...input.meta, series: parseCandleCsv(text, 'sweep candles') };
const definition = new StrategyRegistry().get(input.request.strategy);

parentPort?.on('message', (message: ToWorker) => {
  if (message.type === 'stop') {
    process.exit(0);
  }
  let reply: FromWorker;
  try {
    reply = { type: 'result', index: message.index, metrics: metricsOf(runBacktestSync(input.request, definition, data, message.params)) };
  } catch (error) {
    reply = { type: 'error', index: message.index, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
