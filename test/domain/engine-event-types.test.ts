import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINE_EVENT_TYPES } from '../../src/domain/engine-events.js';
import { ORDER_STATUSES } from '../../src/domain/orders.js';

/**
 * The web subscribes to the SSE stream by event name (named events never reach `onmessage`), so an
 * event type the engine emits but ENGINE_EVENT_TYPES lacks would silently never reach the live page.
 * This reads the engine's source instead of trusting a second hand-kept list.
 */

const ENGINE_DIR = fileURLToPath(new URL('../../src/engine/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `emit(`, `emitTransient(` and `#emitter(id)(`, each followed by its arguments. */
const CALL = /(?:\bemit|\bemitTransient|#emitter\([^()]*\))\(/g;
/** A leading engine id argument (`emit(engineId, 'engine.state', …)`). */
const ID_ARGUMENT = /^\s*(?:engineId|id|record\.id)\s*,/;

/** The first argument's source text, up to the comma (or closing parenthesis) at its own depth. */
function firstArgument(text: string): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charAt(i);
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth += 1;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(0, i).trim();
      depth -= 1;
    } else if (c === ',' && depth === 0) return text.slice(0, i).trim();
  }
  return text.trim();
}

interface Found {
  /** Event types written out in an emit call's type argument. */
  literal: Map<string, string>;
  /** Type arguments that are neither a literal, a plain variable nor a known template: this test cannot read them. */
  unreadable: string[];
  /** Source text of every file, for the names passed to emit through a variable. */
  texts: Map<string, string>;
}

function scan(): Found {
  const found: Found = { literal: new Map(), unreadable: [], texts: new Map() };
  for (const file of sourceFiles(ENGINE_DIR)) {
    const text = readFileSync(file, 'utf8');
    const where = path.relative(ENGINE_DIR, file);
    found.texts.set(where, text);
    for (const match of text.matchAll(CALL)) {
      let rest = text.slice((match.index ?? 0) + match[0].length);
      const id = ID_ARGUMENT.exec(rest);
      if (id) rest = rest.slice(id[0].length);
      readTypeArgument(firstArgument(rest), where, found);
    }
  }
  return found;
}

/** The template the order manager builds from an order's status (`order.${status}`). */
const ORDER_TEMPLATE = /^`order\.\$\{[^}]+\}`$/;

function readTypeArgument(argument: string, where: string, found: Found): void {
  if (/^[A-Za-z_$][\w$]*$/.test(argument)) return; // a variable: its literals are found by the namespace scan
  const literals = [...argument.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? '');
  const templates = [...argument.matchAll(/`[^`]*`/g)].map((m) => m[0]);
  for (const template of templates) {
    if (!ORDER_TEMPLATE.test(template)) {
      found.unreadable.push(`${where}: ${argument}`);
      return;
    }
    // Only an order the exchange reported can take this path, and it never reports pending_create.
    for (const status of ORDER_STATUSES) if (status !== 'pending_create') found.literal.set(`order.${status}`, where);
  }
  const rest = argument.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '');
  if (literals.length === 0 && templates.length === 0) {
    found.unreadable.push(`${where}: ${argument}`);
    return;
  }
  // A conditional (`a === 'x' ? event : …`) compares with literals that are event types too.
  if (/[^\s\w$.=!|&?:()]/.test(rest)) found.unreadable.push(`${where}: ${argument}`);
  // Alone, a literal is the type (`'fill'`); inside an expression only dotted ones are types, not the
  // values it compares (`status === 'open'`).
  const alone = /^'[^']*'$|^"[^"]*"$/.test(argument);
  for (const literal of literals) if (alone ? /^[a-z_]+(\.[a-z_]+)?$/.test(literal) : /^[a-z_]+\.[a-z_]+$/.test(literal)) found.literal.set(literal, where);
}

/**
 * Types passed to emit through a variable (`#applyRemote(order, remote, 'order.updated')`): every
 * quoted `namespace.name` in the engine whose namespace some emit call uses directly.
 */
function namespaced(found: Found): Map<string, string> {
  const namespaces = new Set([...found.literal.keys()].filter((t) => t.includes('.')).map((t) => t.split('.')[0]));
  const out = new Map<string, string>();
  for (const [where, text] of found.texts) {
    for (const m of text.matchAll(/'([a-z_]+)\.([a-z_]+)'|"([a-z_]+)\.([a-z_]+)"/g)) {
      const ns = m[1] ?? m[3] ?? '';
      const name = m[2] ?? m[4] ?? '';
      if (namespaces.has(ns)) out.set(`${ns}.${name}`, where);
    }
  }
  return out;
}

describe('ENGINE_EVENT_TYPES', () => {
  const found = scan();
  const emitted = new Map([...namespaced(found), ...found.literal]);

  it('finds the emit calls it reads (a guard against the scan silently matching nothing)', () => {
    expect(found.literal.has('engine.state')).toBe(true);
    expect(found.literal.has('heartbeat')).toBe(true);
    expect(emitted.has('order.updated')).toBe(true);
    expect(emitted.size).toBeGreaterThan(25);
  });

  it('lists every event type emitted in src/engine', () => {
    const known = new Set<string>(ENGINE_EVENT_TYPES);
    const missing = [...emitted].filter(([type]) => !known.has(type)).map(([type, where]) => `${type} (${where})`);
    expect(missing, 'add these to ENGINE_EVENT_TYPES in src/domain/engine-events.ts').toEqual([]);
  });

  it('can read the type argument of every emit call', () => {
    expect(found.unreadable, 'pass the event type as a literal, or teach this test the new form').toEqual([]);
  });

  it('has no duplicates', () => {
    expect(new Set(ENGINE_EVENT_TYPES).size).toBe(ENGINE_EVENT_TYPES.length);
  });
});
