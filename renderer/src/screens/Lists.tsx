/**
 * Lists: the lists with their counts, and a virtualized subscriber table (TanStack Virtual) that pages
 * rows from SQLite as they scroll into view, with status filters, search and export. The import wizard
 * opens from here.
 */
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { PAGE_SIZE, type TotalState } from '../store/lists';
import { api } from '../api/client';
import { ErrorBox } from '../components/ErrorBox';
import { MirrorAge } from '../components/MirrorAge';
import { formatCount } from '../components/Progress';
import { formatDate } from '../components/format';
import { ImportWizard } from './ImportWizard';
import { SubscriberPage } from './SubscriberPage';
import type { ApiError, SubscriberSort } from '../api/types';
import { SUBSCRIBER_STATUSES } from '../../../electron/engine/api/common';

const STATUSES = SUBSCRIBER_STATUSES;
const ROW_HEIGHT = 30;

/** The table's columns; those with a sort key sort server-side, each from its own index. */
const COLUMNS: { label: string; sort: SubscriberSort | null }[] = [
  { label: 'Email', sort: 'email' },
  { label: 'Name', sort: 'name' },
  { label: 'Status', sort: 'status' },
  { label: 'Tags', sort: null },
  { label: 'Updated', sort: 'date' },
];

/** A day as people write it ("3 Dec 2026"), in the user's time zone. */
export function dayWords(iso: string): string {
  return formatDate(iso);
}

export function Lists() {
  const { lists, listsLoaded, listsError, selectedList, loadLists, selectList, openWizard, step } = useStore(
    useShallow((s) => ({
      lists: s.lists,
      listsLoaded: s.listsLoaded,
      listsError: s.listsError,
      selectedList: s.selectedList,
      loadLists: s.loadLists,
      selectList: s.selectList,
      openWizard: s.openWizard,
      step: s.wizard.step,
    })),
  );
  useEffect(() => {
    void loadLists();
  }, [loadLists]);

  return (
    <section className="screen lists-screen" aria-labelledby="lists-title">
      <header className="screen-head">
        <h1 id="lists-title">Lists</h1>
        <div className="actions">
          <button type="button" className="primary" onClick={openWizard}>
            Import a list…
          </button>
        </div>
      </header>
      {listsError && <ErrorBox error={listsError} />}
      <div className="lists-layout">
        <nav className="list-picker" aria-label="Lists">
          {listsLoaded && lists.length === 0 && (
            <p className="muted">
              No lists yet. Import your ESP's export to keep a copy of your subscribers here.
            </p>
          )}
          <ul>
            {lists.map((l) => (
              <li key={l.id}>
                <button
                  type="button"
                  className={l.name === selectedList ? 'list-item selected' : 'list-item'}
                  aria-current={l.name === selectedList ? 'true' : undefined}
                  onClick={() => selectList(l.name)}
                >
                  <span className="list-name">{l.name}</span>
                  <span className="list-count">{formatCount(l.total)}</span>
                  {l.providerId !== null && <MirrorAge asOf={l.mirrorAsOf} stale={l.mirrorStale} />}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {selectedList ? <ListBody /> : <div className="empty-panel">Choose or import a list.</div>}
      </div>
      {step !== 'closed' && <ImportWizard />}
    </section>
  );
}

/** The table, or one subscriber's page over it (the table keeps its pages, search and scroll). */
function ListBody() {
  const open = useStore((s) => s.openSubscriber);
  const showSubscriber = useStore((s) => s.showSubscriber);
  return (
    <>
      <div hidden={open !== null} className="table-panel-wrap">
        <SubscriberTable />
      </div>
      {open !== null && <SubscriberPage id={open} onBack={() => showSubscriber(null)} />}
    </>
  );
}

/**
 * The line over the table: how many match, never a number the table does not know. Before the first
 * page of a new query it says it is looking; with a full first page, "200+ … · counting…" until the
 * count comes.
 */
function TableStatus(p: {
  total: number;
  totalState: TotalState;
  search: string;
  statusFilter: string | null;
  lastQueryMs: number | null;
  failed: boolean;
}) {
  const matching = p.search ? ` matching "${p.search}"` : '';
  const filter = p.statusFilter ? ` · ${p.statusFilter}` : '';
  if (p.totalState === 'pending')
    return (
      <>
        {p.failed
          ? `Could not show the subscribers${matching}`
          : p.search
            ? `Looking for subscribers${matching}…`
            : 'Loading subscribers…'}
        {filter}
      </>
    );
  const lower = p.totalState === 'counting' || p.totalState === 'atLeast';
  return (
    <>
      {formatCount(p.total)}
      {lower ? '+' : ''} {p.total === 1 && !lower ? 'subscriber' : 'subscribers'}
      {matching}
      {p.totalState === 'counting' ? <span className="muted"> · counting…</span> : null}
      {filter}
      {p.lastQueryMs !== null ? <span className="muted"> · {p.lastQueryMs} ms</span> : null}
    </>
  );
}

// eslint-disable-next-line max-lines-per-function -- one table's state and markup
function SubscriberTable() {
  const {
    list,
    summary,
    statusFilter,
    search,
    total,
    pages,
    tableError,
    lastQueryMs,
    totalState,
    sort,
    desc,
    setStatusFilter,
    setSearch,
    setSort,
    showSubscriber,
    ensurePages,
  } = useStore(
    useShallow((s) => ({
      list: s.selectedList!,
      summary: s.lists.find((l) => l.name === s.selectedList),
      statusFilter: s.statusFilter,
      search: s.search,
      total: s.total,
      pages: s.pages,
      tableError: s.tableError,
      lastQueryMs: s.lastQueryMs,
      totalState: s.totalState,
      sort: s.sort,
      desc: s.desc,
      setStatusFilter: s.setStatusFilter,
      setSearch: s.setSearch,
      setSort: s.setSort,
      showSubscriber: s.showSubscriber,
      ensurePages: s.ensurePages,
    })),
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const [exporting, setExporting] = useState(false);
  const [exportMsg, setExportMsg] = useState<{ text: string; href: string | null } | null>(null);
  const [exportErr, setExportErr] = useState<ApiError | null>(null);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total > 0) ensurePages(first, last);
  }, [first, last, total, pages, ensurePages]);

  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [list, statusFilter, search, sort, desc]);

  const doExport = async () => {
    setExporting(true);
    setExportErr(null);
    setExportMsg(null);
    const env = await api().exportList(list);
    setExporting(false);
    if (!env.ok) return setExportErr(env.error);
    const href = env.value.download ?? api().fileUrl(env.value.out);
    setExportMsg({
      text: `Exported ${formatCount(env.value.rows)} subscribers of "${env.value.list}".`,
      href,
    });
    if (!href) api().revealFile(env.value.out);
  };

  const onKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    const el = scrollRef.current;
    if (!el) return;
    if (e.key === 'ArrowDown') el.scrollTop += ROW_HEIGHT;
    else if (e.key === 'ArrowUp') el.scrollTop -= ROW_HEIGHT;
    else if (e.key === 'Home') el.scrollTop = 0;
    else if (e.key === 'End') el.scrollTop = el.scrollHeight;
    else return;
    e.preventDefault();
  };

  return (
    <div className="table-panel">
      <div className="table-tools">
        <label className="search">
          <span className="sr-only">Search subscribers</span>
          <input
            type="search"
            placeholder="Search by name, email or @domain…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            aria-label="Search subscribers by email or name, or @domain"
          />
        </label>
        <div className="filters" role="group" aria-label="Filter by status">
          <button type="button" aria-pressed={statusFilter === null} onClick={() => setStatusFilter(null)}>
            All {summary ? formatCount(summary.total) : ''}
          </button>
          {STATUSES.filter((s) => (summary?.byStatus[s] ?? 0) > 0 || s === statusFilter).map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={statusFilter === s}
              onClick={() => setStatusFilter(s)}
            >
              {s} {formatCount(summary?.byStatus[s] ?? 0)}
            </button>
          ))}
        </div>
        <button type="button" onClick={doExport} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      {exportErr && <ErrorBox error={exportErr} onDismiss={() => setExportErr(null)} />}
      {exportMsg && (
        <p className="notice success" role="status">
          {exportMsg.text}{' '}
          {exportMsg.href && (
            <a href={exportMsg.href} download>
              Download the file
            </a>
          )}
        </p>
      )}
      {tableError && <ErrorBox error={tableError} />}
      <div className="table-status" aria-live="polite" data-testid="table-status">
        <TableStatus
          total={total}
          totalState={totalState}
          search={search.trim()}
          statusFilter={statusFilter}
          lastQueryMs={lastQueryMs}
          failed={!!tableError}
        />
      </div>
      <div
        className="grid"
        role="grid"
        aria-label={`Subscribers of ${list}`}
        // -1: not known yet (ARIA), until the first page of this query comes.
        aria-rowcount={totalState === 'pending' ? -1 : total + 1}
        aria-busy={totalState === 'pending' && !tableError}
      >
        <div className="grid-row grid-head" role="row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <span
              key={c.label}
              role="columnheader"
              aria-sort={c.sort && c.sort === sort ? (desc ? 'descending' : 'ascending') : undefined}
            >
              {c.sort ? (
                <button
                  type="button"
                  className="sort"
                  onClick={() => setSort(c.sort!)}
                  title={`Sort by ${c.label.toLowerCase()}`}
                >
                  {c.label}
                  <span aria-hidden="true">{c.sort === sort ? (desc ? ' ▼' : ' ▲') : ''}</span>
                </button>
              ) : (
                c.label
              )}
            </span>
          ))}
        </div>
        <div
          ref={scrollRef}
          className="grid-body"
          role="rowgroup"
          tabIndex={0}
          onKeyDown={onKey}
          data-testid="grid-body"
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const row = pages[Math.floor(v.index / PAGE_SIZE)]?.[v.index % PAGE_SIZE];
              return (
                <div
                  key={v.key}
                  className="grid-row"
                  role="row"
                  aria-rowindex={v.index + 2}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW_HEIGHT,
                    transform: `translateY(${v.start}px)`,
                  }}
                >
                  {row ? (
                    <>
                      <span role="gridcell" className="email">
                        <button
                          type="button"
                          className="link"
                          onClick={() => showSubscriber(row.id)}
                          title="Open this subscriber's page"
                        >
                          {row.email}
                        </button>
                      </span>
                      <span role="gridcell">{[row.firstName, row.lastName].filter(Boolean).join(' ')}</span>
                      <span role="gridcell">
                        <span className={`status status-${row.status}`}>{row.status}</span>
                      </span>
                      <span role="gridcell" className="tags">
                        {row.tags.map((t) => (
                          <span key={t} className="chip">
                            {t}
                          </span>
                        ))}
                      </span>
                      <span role="gridcell" className="muted">
                        {dayWords(row.updatedAt)}
                      </span>
                    </>
                  ) : (
                    <span role="gridcell" className="loading-row">
                      Loading…
                    </span>
                  )}
                </div>
              );
            })}
          </div>
          {total === 0 && totalState === 'exact' && !tableError && (
            <p className="empty-panel">
              {search || statusFilter ? 'No subscriber matches.' : 'This list is empty.'}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
