import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerBoundaries } from './lint/layer-boundaries.js';

const root = path.dirname(fileURLToPath(import.meta.url));

/** The layers of docs/architecture.md; test/lint/import-boundaries.test.ts proves each one still fires. */
export const boundaries = [
  { name: 'domain', files: 'src/domain/', allow: ['src/domain/'] },
  {
    name: 'engine',
    files: 'src/engine/',
    deny: ['src/server/', 'src/store/', 'src/exchanges/ccxt/'],
    denyPackages: ['fastify', '@fastify/', 'kysely', 'better-sqlite3', 'pg', 'ioredis', 'ccxt'],
  },
  { name: 'ratelimit', files: 'src/ratelimit/', deny: ['src/exchanges/'] },
  { name: 'web', files: 'web/src/', allow: ['web/', 'src/domain/'] },
];

export default tseslint.config(
  { ignores: ['dist/**', '.test-build-*/**', 'web/dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only']", message: 'Focused tests silently skip the rest.' }],
    },
  },
  {
    plugins: { cts: { rules: { 'layer-boundaries': layerBoundaries } } },
    rules: { 'cts/layer-boundaries': ['error', { root, boundaries }] },
  },
);
