/**
 * Blacklist entries are exact symbols or wildcards: `*` stands for any text (possibly none) within one
 * side of the symbol, so `BNB/*` is every BNB market and a `*` base with a BTC quote every BTC-quoted
 * one. Matching ignores case; the config schema has already checked the form.
 */
export class Blacklist {
  readonly #patterns: readonly RegExp[];

  constructor(entries: readonly string[]) {
    this.#patterns = entries.map(toRegExp);
  }

  has(symbol: string): boolean {
    return this.#patterns.some((p) => p.test(symbol));
  }
}

function toRegExp(entry: string): RegExp {
  const escaped = entry
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${escaped}$`, 'i');
}
