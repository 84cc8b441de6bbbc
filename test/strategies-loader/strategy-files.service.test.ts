import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { BUILT_IN_STRATEGIES, StrategyRegistry } from '../../src/engine/strategies/registry.js';
import { StrategyFilesService, type StrategyLog } from '../../src/strategies-loader/strategy-files.service.js';
import { StrategyFolder, strategySource } from './strategy-files.js';

const SNAPSHOT = { symbol: 'X/Y', time: 0 } as never;

class RecordingLog implements StrategyLog {
  readonly lines: string[] = [];
  info(_d: object, message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(_d: object, message: string): void {
    this.lines.push(`warn ${message}`);
  }
}

describe('strategy files loaded from a folder', () => {
  let folder: StrategyFolder;
  let registry: StrategyRegistry;
  let log: RecordingLog;
  let files: StrategyFilesService;

  beforeEach(() => {
    folder = new StrategyFolder();
    registry = new StrategyRegistry();
    log = new RecordingLog();
    files = new StrategyFilesService({ dir: folder.dir, registry, log, secrets: ['s3cr3t-master-key-value'] });
  });
  afterEach(async () => {
    await files.close();
    folder.remove();
  });

  it('loads good TypeScript and JavaScript files beside the built-ins, with their source', async () => {
    folder.write('alpha.ts', strategySource('alpha'));
    folder.write('beta.js', strategySource('beta').replace(', type Intent, type Strategy', '').replace(/\): Strategy =>/, ') =>').replace('(): readonly Intent[] =>', '() =>'));
    folder.write('notes.md', '# not a strategy');
    folder.write('types.d.ts', 'export type X = 1;');
    const catalog = await files.reload();
    expect(catalog.problems).toEqual([]);
    expect(catalog.directoryExists).toBe(true);
    expect(catalog.strategies.map((s) => s.id)).toEqual([...BUILT_IN_STRATEGIES.map((d) => d.id), 'alpha', 'beta']);
    expect(catalog.strategies.find((s) => s.id === 'alpha')?.source).toEqual({ kind: 'file', file: 'alpha.ts' });
    expect(catalog.strategies.find((s) => s.id === 'grid')?.source).toEqual({ kind: 'built-in' });
    expect(catalog.strategies.find((s) => s.id === 'alpha')?.params).toEqual([{ name: 'sizeQuote', type: 'string', description: '', default: '10' }]);
    // The file's definition validates with the server's own ValidationError (one SDK instance).
    expect(() => registry.get('alpha').parseParams({ sizeQuote: 5 })).toThrow(ValidationError);
    expect(registry.get('beta').create({}).onCandle(SNAPSHOT)).toEqual([{ kind: 'enter', side: 'long', size: { quote: '10' }, reason: 'v1' }]);
    expect(log.lines).toContain('info strategy files loaded');
  });

  it('reports a syntax error with file and line, and still loads the other files', async () => {
    folder.write('good.ts', strategySource('good'));
    folder.write('broken.ts', "import { defineStrategy } from 'cts/strategy';\n\nconst x = ;\nexport default defineStrategy;\n");
    const catalog = await files.reload();
    expect(catalog.problems).toEqual([{ file: 'broken.ts', kind: 'compile', message: 'Unexpected ";"', line: 3, column: 11 }]);
    expect(registry.has('good')).toBe(true);
    expect(log.lines).toContain('warn strategy file not loaded: broken.ts:3:11: Unexpected ";"');
  });

  it('reports an import outside the SDK with its line', async () => {
    folder.write('imports.ts', "import { defineStrategy } from 'cts/strategy';\nimport ccxt from 'ccxt';\nexport default defineStrategy;\nvoid ccxt;\n");
    const catalog = await files.reload();
    expect(catalog.problems).toMatchObject([{ file: 'imports.ts', kind: 'compile', line: 2 }]);
    expect(catalog.problems[0]?.message).toMatch(/Cannot import "ccxt": a strategy file may import "cts\/strategy", "zod"/);
  });

  it('reports a throw at load with the line of the throw in the user file, and redacts configured secrets', async () => {
    folder.write('throws.ts', "import { defineStrategy } from 'cts/strategy';\nconst key: string = 's3cr3t-master-key-value';\n\nthrow new Error(`no luck with ${key}`);\nexport default defineStrategy;\n");
    const catalog = await files.reload();
    expect(catalog.problems).toEqual([{ file: 'throws.ts', kind: 'load', message: 'threw while loading: Error: no luck with [redacted]', line: 4, column: 7 }]);
    expect(JSON.stringify(catalog)).not.toContain('s3cr3t');
    expect(log.lines.join('\n')).not.toContain('s3cr3t');
  });

  it('reports a file that never finishes loading, without holding up the others', async () => {
    const slow = new StrategyFilesService({ dir: folder.dir, registry, loadTimeoutMs: 300 });
    try {
      folder.write('hangs.ts', "import { defineStrategy } from 'cts/strategy';\nawait new Promise(() => {});\nexport default defineStrategy;\n");
      folder.write('ok.ts', strategySource('ok'));
      const catalog = await slow.reload();
      expect(catalog.problems).toEqual([{ file: 'hangs.ts', kind: 'load', message: 'did not finish loading within 300 ms (a top-level await that never settles?)' }]);
      expect(registry.has('ok')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('refuses wrong exports with what to change', async () => {
    folder.write('none.ts', 'export const x = 1;\n');
    folder.write('spec.ts', "import { z } from 'zod';\n\nexport default { id: 'spec', name: 'S', description: '', params: z.object({}), warmup: () => 1, create: () => ({}) };\n");
    folder.write('badid.ts', strategySource('Bad Id'));
    const catalog = await files.reload();
    expect(catalog.problems).toEqual([
      { file: 'badid.ts', kind: 'export', line: 5, message: expect.stringMatching(/^default export is not a strategy definition: id must be 1–60 lower-case/) },
      { file: 'none.ts', kind: 'export', message: 'has no default export: end the file with `export default defineStrategy({ … })`' },
      { file: 'spec.ts', kind: 'export', line: 3, message: 'exports a plain spec: wrap it in defineStrategy({ … }) from "cts/strategy"' },
    ]);
    expect(registry.list().map((d) => d.id)).toEqual(BUILT_IN_STRATEGIES.map((d) => d.id));
  });

  it('loads neither of two files declaring one id, nor a file taking a built-in id, naming the line of the id', async () => {
    folder.write('a.ts', strategySource('twin'));
    folder.write('b.ts', strategySource('twin'));
    folder.write('c.ts', strategySource('grid'));
    folder.write('d.ts', strategySource('unique'));
    const catalog = await files.reload();
    expect(catalog.problems).toEqual([
      { file: 'a.ts', kind: 'duplicate-id', line: 6, message: 'declares id "twin", also declared by b.ts: none of these files loads until the ids differ' },
      { file: 'b.ts', kind: 'duplicate-id', line: 6, message: 'declares id "twin", also declared by a.ts: none of these files loads until the ids differ' },
      { file: 'c.ts', kind: 'duplicate-id', line: 6, message: 'declares id "grid", which is a built-in strategy: choose another id' },
    ]);
    expect(registry.has('twin')).toBe(false);
    expect(registry.get('grid')).toBe(BUILT_IN_STRATEGIES.find((d) => d.id === 'grid'));
    expect(registry.has('unique')).toBe(true);
  });

  it('reload picks up new, changed and deleted files; an instance created before keeps its code', async () => {
    folder.write('probe.ts', strategySource('probe', 'v1'));
    await files.reload();
    const running = registry.get('probe').create({});
    folder.write('probe.ts', strategySource('probe', 'v2'));
    folder.write('extra.ts', strategySource('extra'));
    const catalog = await files.reload();
    expect(catalog.strategies.map((s) => s.id)).toContain('extra');
    expect(registry.get('probe').name).toBe('Probe v2');
    expect(registry.get('probe').create({}).onCandle(SNAPSHOT)[0]).toMatchObject({ reason: 'v2' });
    expect(running.onCandle(SNAPSHOT)[0]).toMatchObject({ reason: 'v1' });
    folder.remove();
    const empty = await files.reload();
    expect(empty.directoryExists).toBe(false);
    expect(empty.problems).toEqual([]);
    expect(registry.has('probe')).toBe(false);
  });

  it('serialises concurrent reloads', async () => {
    folder.write('one.ts', strategySource('one'));
    const [a, b] = await Promise.all([files.reload(), files.reload()]);
    expect(a.strategies.map((s) => s.id)).toContain('one');
    expect(b.strategies.map((s) => s.id)).toContain('one');
    expect(b.loadedAt).not.toBeNull();
  });
});
