/**
 * Loading a call's result into the store and showing it: "not available yet" when the engine lacks
 * the call, the error with what is safe and what to do, or the value. ValueTable renders any list of
 * records plainly so a screen shows real engine data even before it gets a tailored layout.
 */
import { useEffect, type ReactNode } from 'react';
import { useStore } from '../store';
import { resourceKey, type Resource } from '../store/events';
import { ErrorBox } from './ErrorBox';
import { Unavailable } from './Unavailable';
import { formatText } from './format';

export function useResource(
  name: string,
  input?: unknown,
  deps: unknown[] = [],
): Resource & { reload: () => void } {
  const key = resourceKey(name, input);
  const res = useStore((s) => s.resources[key]);
  const load = useStore((s) => s.load);
  const version = useStore((s) => s.dataVersion);
  useEffect(() => {
    void load(name, input);
  }, [key, load, version, ...deps]);
  return { ...(res ?? { state: 'loading', value: null, error: null }), reload: () => void load(name, input) };
}

export function ResourceView({
  res,
  what,
  calls,
  children,
}: {
  res: Resource;
  what: string;
  calls: string[];
  children: (value: unknown) => ReactNode;
}) {
  if (res.state === 'unavailable') return <Unavailable what={what} calls={calls} />;
  if (res.state === 'error' && res.error) return <ErrorBox error={res.error} />;
  if (res.value === null || res.value === undefined)
    return (
      <p className="muted" aria-busy="true">
        Loading {what.toLowerCase()}…
      </p>
    );
  return <>{children(res.value)}</>;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return formatText(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(cell).join(', ');
  return JSON.stringify(v);
}

export function ValueTable({
  rows,
  columns,
  caption,
  empty,
}: {
  rows: unknown;
  columns?: string[];
  caption: string;
  empty: string;
}) {
  const list = Array.isArray(rows)
    ? (rows as Record<string, unknown>[])
    : rows && typeof rows === 'object'
      ? firstArray(rows)
      : [];
  if (list.length === 0) return <p className="muted">{empty}</p>;
  const cols =
    columns ??
    Object.keys(list[0] ?? {})
      .filter((k) => typeof list[0]![k] !== 'object' || list[0]![k] === null)
      .slice(0, 7);
  return (
    <table className="data">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          {cols.map((c) => (
            <th key={c} scope="col">
              {humanize(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {list.map((r, i) => (
          <tr key={String(r.id ?? i)}>
            {cols.map((c) => (
              <td key={c}>{cell(r[c])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function firstArray(o: object): Record<string, unknown>[] {
  for (const v of Object.values(o)) if (Array.isArray(v)) return v as Record<string, unknown>[];
  return [];
}

export function humanize(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_.]/g, ' ')
    .replace(/^./, (c) => c.toUpperCase());
}
