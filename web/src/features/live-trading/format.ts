import { roundDecimalText } from '../../../../src/domain/decimal-display.js';
import type { EngineState } from '../../api/engine-types';

export const STATE_LABELS: Record<EngineState, string> = {
  stopped: 'Stopped',
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  stopping: 'Stopping',
  error: 'Error',
};

/**
 * A decimal string for display: rounded half away from zero to at most `places` decimals (on the digits,
 * never through a float), trailing zeros dropped. Anything that is not a plain decimal is shown as is.
 */
export function formatDecimal(value: string | null | undefined, places = 8): string {
  if (value === null || value === undefined || value === '') return '—';
  return roundDecimalText(value, places);
}

/** Money with exactly `places` decimals (rounded on the digits): "-1.3" → "-1.30". */
export function fixed(value: string | null | undefined, places = 2): string {
  const text = formatDecimal(value, places);
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  const [whole, fraction = ''] = text.split('.');
  return places > 0 ? `${whole ?? '0'}.${fraction.padEnd(places, '0')}` : (whole ?? '0');
}

/** Sign class for PnL figures: pnl--up, pnl--down or none. */
export function pnlClass(value: string | null | undefined): string {
  if (!value) return '';
  if (value.startsWith('-')) return 'pnl--down';
  return /[1-9]/.test(value) ? 'pnl--up' : '';
}

export function signed(value: string | null | undefined, places = 8, pad = false): string {
  const text = pad ? fixed(value, places) : formatDecimal(value, places);
  return text !== '—' && /[1-9]/.test(text) && !text.startsWith('-') ? `+${text}` : text;
}

/** "4 s ago", "3 min ago" for heartbeat ages. */
export function ageText(iso: string | null, now: number): string {
  if (!iso) return 'no heartbeat yet';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function timeOf(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString(undefined, { hour12: false });
}
