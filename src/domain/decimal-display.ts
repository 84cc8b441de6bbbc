/**
 * Decimals for people to read (event texts, reasons, the web's tables). Exact arithmetic yields long
 * fractions (a PnL of `-3.57804147540545965515`); stored and JSON values keep every digit, and only
 * the text a person reads is rounded, here. Pure string arithmetic, so the web can use it without a
 * decimal library, and a value is never passed through a float.
 */

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Digits shown in texts: enough for a price or a PnL in any quote (USDT or BTC), far fewer than exact. */
export const DISPLAY_SIGNIFICANT_DIGITS = 8;

/**
 * `value` rounded half away from zero to at most `places` decimals, trailing zeros dropped ("-0" is
 * "0"). Anything that is not a plain decimal string is returned as is.
 */
export function roundDecimalText(value: string, places: number): string {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return value;
  const [, sign = '', whole = '0', fraction = ''] = match;
  let digits = BigInt(whole + fraction.slice(0, places).padEnd(places, '0'));
  if ((fraction[places] ?? '0') >= '5') digits += 1n;
  const text = digits.toString().padStart(places + 1, '0');
  const intPart = text.slice(0, text.length - places) || '0';
  const fracPart = text.slice(text.length - places).replace(/0+$/, '');
  const out = fracPart ? `${intPart}.${fracPart}` : intPart;
  return /^0(\.0*)?$/.test(out) ? '0' : `${sign}${out}`;
}

/**
 * `value` with `significant` significant digits for a text: the integer part is always whole (50000.5
 * stays 50000.5, 123456789.4 becomes 123456789), a fraction below 1 keeps its leading zeros
 * (0.0000123456789 becomes 0.000012345679).
 */
export function displayDecimal(value: string, significant: number = DISPLAY_SIGNIFICANT_DIGITS): string {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return value;
  const whole = (match[2] ?? '').replace(/^0+/, '');
  const fraction = match[3] ?? '';
  const leadingZeros = /^0*/.exec(fraction)?.[0].length ?? 0;
  const places = whole ? Math.max(0, significant - whole.length) : leadingZeros + significant;
  return roundDecimalText(value, places);
}
