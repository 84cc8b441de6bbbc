import { humanize } from '../../components/StepList';
import { absoluteTime } from '../../format';

type Primitive = string | number | boolean | null;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is Primitive {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** "heapUsedBytes" → "Heap used", "eventLoopLagMs" → "Event loop lag (ms)". */
function label(key: string): string {
  const unit = /Ms$/.test(key) ? ' (ms)' : '';
  const base = key.replace(/(Ms|Bytes)$/, '');
  return humanize(base.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`)) + unit;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

function showField(key: string, value: unknown): string {
  if (typeof value === 'number' && /Bytes$/.test(key)) return formatBytes(value);
  if (typeof value === 'number' && /Seconds$/.test(key)) return formatSeconds(value);
  return show(value);
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === 'string' && ISO_TIME.test(value)) return absoluteTime(value);
  if (Array.isArray(value) && value.every(isPrimitive)) return value.length === 0 ? 'none' : value.map(show).join(', ');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Nested objects flattened to "outer · inner" rows. */
function flatten(value: Record<string, unknown>, prefix = ''): [string, string, unknown][] {
  return Object.entries(value).flatMap(([key, v]) => {
    const text = prefix ? `${prefix} · ${label(key)}` : label(key);
    return isRecord(v) ? flatten(v, text) : [[text, key, v] as [string, string, unknown]];
  });
}

/** One part of the system status (process, storage, engines, …), whatever its shape. */
export function StatusSection({ title, value }: { title: string; value: unknown }) {
  return (
    <section className="panel status-section" aria-label={label(title)}>
      <h2>{label(title)}</h2>
      <StatusValue value={value} />
    </section>
  );
}

function StatusValue({ value }: { value: unknown }) {
  if (isRecord(value)) {
    const rows = flatten(value);
    if (rows.length === 0) return <p className="muted">Nothing reported.</p>;
    return (
      <dl className="kv">
        {rows.map(([text, key, v]) => {
          const table = Array.isArray(v) && !v.every(isPrimitive);
          return (
            <div key={text} className={table ? 'kv__wide' : undefined}>
              <dt>{text}</dt>
              <dd>{table ? <ObjectTable rows={v} /> : showField(key, v)}</dd>
            </div>
          );
        })}
      </dl>
    );
  }
  if (Array.isArray(value) && !value.every(isPrimitive)) return <ObjectTable rows={value} />;
  return <p>{show(value)}</p>;
}

function ObjectTable({ rows }: { rows: unknown[] }) {
  const records = rows.filter(isRecord);
  if (records.length === 0) return <span className="muted">none</span>;
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return (
    <div className="table-scroll">
      <table className="table">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {label(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{showField(c, r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
