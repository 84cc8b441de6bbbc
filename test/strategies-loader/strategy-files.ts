import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A temp strategies folder for loader tests. */
export class StrategyFolder {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'cts-strategies-test-'));

  write(name: string, text: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A minimal valid strategy file whose single intent's reason names `version`, so tests can tell two versions apart. */
export function strategySource(id: string, version = 'v1'): string {
  return `import { defineStrategy, z, type Intent, type Strategy } from 'cts/strategy';

const params = z.object({ sizeQuote: z.string().default('10') }).strict();

export default defineStrategy({
  id: '${id}',
  name: 'Probe ${version}',
  description: 'Enters on the first candle (${version})',
  params,
  warmup: () => 1,
  create: (p): Strategy => ({
    warmup: 1,
    onCandle: (): readonly Intent[] => [{ kind: 'enter', side: 'long', size: { quote: p.sizeQuote }, reason: '${version}' }],
  }),
});
`;
}
