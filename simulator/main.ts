import { parseArgs } from 'node:util';
import { startSimulator } from './server.js';

/**
 * `npm run simulator -- --port N [--seed S] [--random-walk] [--auto-step-ms MS]`: runs the loopback
 * exchange simulator until SIGINT/SIGTERM. Point ccxt at it with `proxyUrl: <printed url>`.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    'random-walk': { type: 'boolean', default: false },
    'auto-step-ms': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write('Usage: npm run simulator -- [--port N] [--seed S] [--random-walk] [--auto-step-ms MS]\n');
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

const autoStep = values['auto-step-ms'];
const sim = await startSimulator({
  port: integer('port', values.port, 0, 65_535),
  seed: integer('seed', values.seed, 0, 2 ** 31),
  priceSource: values['random-walk'] ? 'random-walk' : 'replay',
  ...(autoStep !== undefined ? { autoStepMs: integer('auto-step-ms', autoStep, 1, 86_400_000) } : {}),
});
process.stdout.write(
  `CTS exchange simulator listening on ${sim.url}\n` +
    `  ccxt option: proxyUrl: '${sim.url}'\n` +
    `  control API: ${sim.url}__sim/health (accounts, faults, clock-skew, requests, step, prices, reset)\n`,
);

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
