/**
 * Loading a call's result into the store and showing it: the error with what is safe and what to do,
 * or the value. Both are typed by the call's name: `useResource('listCampaigns')` gives a
 * `Resource<Campaign[]>`. ValueTable renders any list of records plainly.
 */
import { useEffect, type ReactNode } from 'react';
import { useStore } from '../store';
import { resourceKey, resourceOf, type Resource } from '../store/events';
import type { CallName, CallOutput } from '../api/types';
import type { InputArgs } from '../api/bridge';
import { ErrorBox } from './ErrorBox';
import { formatText } from './format';

/** `[input?, deps?]` or `[input, deps?]`: the input as the call's contract says. */
export type ResourceArgs<N extends CallName> = [...InputArgs<N>, deps?: unknown[]];

export function useResource<N extends CallName>(
  name: N,
  ...args: ResourceArgs<N>
): Resource<CallOutput<N>> & { reload: () => void } {
  const input = args[0];
  const deps = (args[1] as unknown[] | undefined) ?? [];
  const key = resourceKey(name, input);
  const res = useStore((s) => resourceOf<N>(s.resources, key));
  const load = useStore((s) => s.load);
  const version = useStore((s) => s.dataVersion);
  const run = () => void load(name, ...(args.slice(0, 1) as InputArgs<N>));
  useEffect(run, [key, load, version, ...deps]);
  return { ...(res ?? { state: 'loading', value: null, error: null }), reload: run };
}

export function ResourceView<T>({
  res,
  what,
  children,
}: {
  res: Resource<T>;
  what: string;
  children: (value: T) => ReactNode;
}) {
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
