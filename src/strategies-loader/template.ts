import path from 'node:path';

/**
 * The file `npm run new-strategy -- <id>` writes: a complete, working strategy (a close/SMA cross), so
 * the first backtest runs before a line is changed. docs/strategies.md shows this text; a test keeps
 * the two equal and backtests it.
 */
export function strategyTemplate(id: string): string {
  return `import { NO_INTENTS, RollingMean, decimalParam, defineStrategy, z, type Intent, type Strategy, type StrategySnapshot } from 'cts/strategy';

const params = z
  .object({
    period: z.number().int().min(2).max(1000).default(20).describe('Moving average period, in candles'),
    sizeQuote: decimalParam('Quote amount spent on each entry', { default: '100' }),
  })
  .strict();

type Params = z.output<typeof params>;

/** Buys when the close crosses above its moving average, sells everything when it crosses below. */
class CloseAboveAverage implements Strategy {
  readonly warmup: number;
  readonly #average: RollingMean;
  readonly #sizeQuote: string;
  #seen = 0;
  #wasAbove: boolean | null = null;

  constructor(p: Params) {
    this.warmup = p.period + 1;
    this.#average = new RollingMean(p.period);
    this.#sizeQuote = p.sizeQuote;
  }

  onCandle(s: StrategySnapshot): readonly Intent[] {
    let above: boolean | null = null;
    // Consume every candle since the last call, so the average stays exact.
    for (let i = this.#seen; i <= s.candles.last; i++) {
      const average = this.#average.update(s.candles.close(i));
      above = Number.isNaN(average) ? null : s.candles.close(i) > average;
    }
    this.#seen = s.candles.last + 1;
    const crossed = above !== null && this.#wasAbove !== null && above !== this.#wasAbove;
    this.#wasAbove = above;
    if (!crossed || s.openOrders.length > 0) return NO_INTENTS;
    if (above && s.position.side === 'flat') return [{ kind: 'enter', side: 'long', size: { quote: this.#sizeQuote }, reason: 'close crossed above its average' }];
    if (!above && s.position.side === 'long') return [{ kind: 'exit', reason: 'close crossed below its average' }];
    return NO_INTENTS;
  }
}

export default defineStrategy({
  id: '${id}',
  name: '${id}',
  description: 'Buys when the close crosses above its moving average; sells everything when it crosses below.',
  params,
  warmup: (p) => p.period + 1,
  create: (p) => new CloseAboveAverage(p),
});
`;
}

/**
 * A tsconfig for the strategies folder, so an editor (and `npx tsc -p <folder>`) type-checks the files
 * against this installation's SDK.
 */
export function strategiesTsconfig(strategiesDir: string, projectRoot: string): string {
  const rel = (p: string): string => path.relative(strategiesDir, path.join(projectRoot, p)).split(path.sep).join('/');
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      // `zod` resolves through node_modules to the same package the SDK uses.
      paths: { 'cts/strategy': [rel('src/sdk/strategy.ts')] },
    },
    include: ['*.ts', '*.mts'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
