/**
 * Lists slice: the list summaries and the subscriber table's window onto SQLite. The table never
 * holds a million rows: it keeps at most MAX_PAGES pages of PAGE_SIZE rows, fetched on demand for the
 * rows in view; a new filter, search or sort bumps `generation` so late answers for the old query are
 * dropped. A search shows its first rows before it knows how many match: the count (which reads every
 * match) is asked for after the first page, so the rows appear as fast as the page query alone.
 */
import type { StateCreator } from 'zustand';
import type { Store } from './index';
import type { ApiError, ListSummary, Subscriber, SubscriberSort, SubscriberStatusT } from '../api/types';
import { api } from '../api/client';

export const PAGE_SIZE = 200;
const MAX_PAGES = 40;
const MAX_IN_FLIGHT = 2;

export interface ListsSlice {
  lists: ListSummary[];
  listsLoaded: boolean;
  listsError: ApiError | null;
  selectedList: string | null;
  statusFilter: SubscriberStatusT | null;
  search: string;
  sort: SubscriberSort;
  desc: boolean;
  total: number;
  /** True while a search's matches are being counted (the first rows are already shown). */
  counting: boolean;
  /** The subscriber whose page is open (by id), over the table. */
  openSubscriber: number | null;
  generation: number;
  pages: Record<number, Subscriber[]>;
  pageOrder: number[];
  loadingPages: Record<number, true>;
  tableError: ApiError | null;
  /** Milliseconds the last first-page query took, shown in the status line (and read by the benchmark). */
  lastQueryMs: number | null;
  loadLists(): Promise<void>;
  selectList(name: string | null): void;
  setStatusFilter(s: SubscriberStatusT | null): void;
  setSearch(q: string): void;
  /** Sorts by a column; the same column again turns the order round. */
  setSort(col: SubscriberSort): void;
  showSubscriber(id: number | null): void;
  ensurePages(firstRow: number, lastRow: number): void;
}

export const createListsSlice: StateCreator<Store, [], [], ListsSlice> = (set, get) => {
  const fetchPage = async (page: number) => {
    const { selectedList, statusFilter, search, sort, desc, generation } = get();
    if (!selectedList) return;
    set((s) => ({ loadingPages: { ...s.loadingPages, [page]: true } }));
    const t0 = performance.now();
    const searching = search.trim() !== '';
    const filters = {
      list: selectedList,
      sort,
      desc,
      ...(statusFilter ? { status: statusFilter } : {}),
      ...(searching ? { search: search.trim() } : {}),
    };
    const env = await api().querySubscribers({
      ...filters,
      limit: PAGE_SIZE,
      offset: page * PAGE_SIZE,
      // The total comes with the first page; counting a million rows again for every page is waste.
      // A search's first page comes without it (see the top of this file).
      count: page === 0 && !searching,
    });
    if (get().generation !== generation) return;
    const needCount = page === 0 && searching && env.ok && env.value.rows.length === PAGE_SIZE;
    set((s) => {
      const loadingPages = { ...s.loadingPages };
      delete loadingPages[page];
      if (!env.ok) return { loadingPages, tableError: env.error, counting: false };
      const pages = { ...s.pages, [page]: env.value.rows };
      const pageOrder = [...s.pageOrder.filter((p) => p !== page), page];
      while (pageOrder.length > MAX_PAGES) delete pages[pageOrder.shift()!];
      // A search's first page that is not full is the whole answer; a full one is a lower bound.
      const total = env.value.total ?? (page === 0 && searching ? env.value.rows.length : s.total);
      return {
        loadingPages,
        pages,
        pageOrder,
        total,
        counting: needCount,
        tableError: null,
        ...(page === 0 || s.lastQueryMs === null ? { lastQueryMs: Math.round(performance.now() - t0) } : {}),
      };
    });
    if (!needCount) return;
    const counted = await api().querySubscribers({ ...filters, count: true, rows: false });
    if (get().generation !== generation) return;
    set(
      counted.ok
        ? { total: counted.value.total ?? get().total, counting: false }
        : { counting: false, tableError: counted.error },
    );
  };

  // Only the pages in view are fetched, at most MAX_IN_FLIGHT at a time: a fast scroll across a
  // million rows does not queue a query for every page it passed, only for where it stopped.
  let wanted = { first: 0, last: 0 };
  let inFlight = 0;
  const pump = () => {
    const { pages, loadingPages, tableError } = get();
    // After an error, wait for the next query or scroll instead of retrying in a loop.
    if (tableError) return;
    for (let p = wanted.first; p <= wanted.last && inFlight < MAX_IN_FLIGHT; p++) {
      if (pages[p] || loadingPages[p]) continue;
      inFlight++;
      void fetchPage(p).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  const resetTable = () => {
    set((s) => ({
      generation: s.generation + 1,
      pages: {},
      pageOrder: [],
      loadingPages: {},
      tableError: null,
      counting: false,
    }));
    void fetchPage(0);
  };

  return {
    lists: [],
    listsLoaded: false,
    listsError: null,
    selectedList: null,
    statusFilter: null,
    search: '',
    sort: 'email',
    desc: false,
    total: 0,
    counting: false,
    openSubscriber: null,
    generation: 0,
    pages: {},
    pageOrder: [],
    loadingPages: {},
    tableError: null,
    lastQueryMs: null,
    async loadLists() {
      const env = await api().listLists({});
      if (!env.ok) return set({ listsError: env.error, listsLoaded: true });
      const selected = get().selectedList;
      set({ lists: env.value, listsError: null, listsLoaded: true });
      if (!selected && env.value[0]) get().selectList(env.value[0].name);
      else if (selected && !env.value.some((l) => l.name === selected))
        get().selectList(env.value[0]?.name ?? null);
    },
    selectList(name) {
      const list = get().lists.find((l) => l.name === name);
      set({ selectedList: name, total: list?.total ?? 0, lastQueryMs: null, openSubscriber: null });
      if (name) resetTable();
    },
    setStatusFilter(statusFilter) {
      set({ statusFilter });
      resetTable();
    },
    setSearch(search) {
      set({ search });
      resetTable();
    },
    setSort(col) {
      const { sort, desc } = get();
      set({ sort: col, desc: sort === col ? !desc : false });
      resetTable();
    },
    showSubscriber(id) {
      set({ openSubscriber: id });
    },
    ensurePages(firstRow, lastRow) {
      if (!get().selectedList) return;
      wanted = { first: Math.floor(firstRow / PAGE_SIZE), last: Math.floor(lastRow / PAGE_SIZE) };
      pump();
    },
  };
};
