/**
 * Lists slice: the list summaries and the subscriber table's window onto SQLite. The table never
 * holds a million rows: it keeps at most MAX_PAGES pages of PAGE_SIZE rows, fetched on demand for the
 * rows in view; a new filter, search or sort bumps `generation` so late answers for the old query are
 * dropped.
 *
 * Typing goes through one lane: at most one first page or count is in flight; a keystroke while one
 * is, only bumps the generation, and when the answer comes (and is dropped) the lane asks for the
 * latest text at once. No debounce: a keystroke after an idle lane is sent straight away, and a fast
 * typist costs the database one query per answer it can show, not one per key. A search shows its
 * first rows before it knows how many match: the count (which reads every match) is asked for after
 * the first page, so the rows appear as fast as the page query alone, and the count when it is done.
 */
import type { StateCreator } from 'zustand';
import type { Store } from './index';
import type { ApiError, ListSummary, Subscriber, SubscriberSort, SubscriberStatusT } from '../api/types';
import { api } from '../api/client';

export const PAGE_SIZE = 200;
const MAX_PAGES = 40;
const MAX_IN_FLIGHT = 2;

/**
 * What the table knows of `total`: `pending` — nothing yet (the first page of this query has not
 * come; total is 0 and no number is shown); `counting` — the first page was full, so total is a lower
 * bound ("200+") while the count is on its way; `atLeast` — the count failed, total stays a lower
 * bound; `exact` — the number of matches.
 */
export type TotalState = 'pending' | 'counting' | 'atLeast' | 'exact';

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
  totalState: TotalState;
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
  /** Asks for the same query again (after a change to the list, e.g. an unsubscribe). */
  refreshTable(): void;
  ensurePages(firstRow: number, lastRow: number): void;
}

type Filters = Pick<ListsSlice, 'statusFilter' | 'search' | 'sort' | 'desc'> & { selectedList: string };

/** The query the table's state stands for (without paging). */
function queryOf(s: Filters) {
  const text = s.search.trim();
  return {
    list: s.selectedList,
    sort: s.sort,
    desc: s.desc,
    ...(s.statusFilter ? { status: s.statusFilter } : {}),
    ...(text ? { search: text } : {}),
  };
}

// eslint-disable-next-line max-lines-per-function -- the slice's actions share the lane and the pump
export const createListsSlice: StateCreator<Store, [], [], ListsSlice> = (set, get) => {
  const fetchPage = async (page: number) => {
    const state = get();
    const { selectedList, generation } = state;
    if (!selectedList) return;
    set((s) => ({ loadingPages: { ...s.loadingPages, [page]: true } }));
    const t0 = performance.now();
    const query = queryOf({ ...state, selectedList });
    const searching = query.search !== undefined;
    const env = await api().querySubscribers({
      ...query,
      limit: PAGE_SIZE,
      offset: page * PAGE_SIZE,
      // The total comes with the first page; counting a million rows again for every page is waste.
      // A search's first page comes without it (see the top of this file).
      count: page === 0 && !searching,
    });
    if (get().generation !== generation) return;
    set((s) => {
      const loadingPages = { ...s.loadingPages };
      delete loadingPages[page];
      if (!env.ok) return { loadingPages, tableError: env.error };
      const pages = { ...s.pages, [page]: env.value.rows };
      const pageOrder = [...s.pageOrder.filter((p) => p !== page), page];
      while (pageOrder.length > MAX_PAGES) delete pages[pageOrder.shift()!];
      const first =
        page !== 0
          ? {}
          : env.value.total !== null
            ? { total: env.value.total, totalState: 'exact' as const }
            : // A search's first page that is not full is the whole answer; a full one is a lower bound.
              {
                total: env.value.rows.length,
                totalState: env.value.rows.length === PAGE_SIZE ? ('counting' as const) : ('exact' as const),
              };
      return {
        loadingPages,
        pages,
        pageOrder,
        ...first,
        tableError: null,
        ...(page === 0 || s.lastQueryMs === null ? { lastQueryMs: Math.round(performance.now() - t0) } : {}),
      };
    });
  };

  const fetchCount = async () => {
    const state = get();
    const { selectedList, generation } = state;
    if (!selectedList) return;
    const counted = await api().querySubscribers({
      ...queryOf({ ...state, selectedList }),
      count: true,
      rows: false,
    });
    if (get().generation !== generation) return;
    set(
      counted.ok
        ? { total: counted.value.total ?? get().total, totalState: 'exact' }
        : { totalState: 'atLeast', tableError: counted.error },
    );
  };

  // The lane: the first page of the current query, then (when it was full) its count, one at a time.
  let laneBusy = false;
  let firstAskedFor = -1;
  let countAskedFor = -1;
  const drive = () => {
    if (laneBusy) return;
    const { selectedList, generation, totalState, tableError } = get();
    if (!selectedList) return;
    let job: (() => Promise<void>) | null = null;
    if (firstAskedFor !== generation) {
      firstAskedFor = generation;
      // (A scroll may have asked for it already, while the lane waited for a dropped answer.)
      const { pages, loadingPages } = get();
      if (!pages[0] && !loadingPages[0]) job = () => fetchPage(0);
    }
    if (!job && totalState === 'counting' && !tableError && countAskedFor !== generation) {
      countAskedFor = generation;
      job = fetchCount;
    }
    if (!job) return;
    laneBusy = true;
    void job().finally(() => {
      laneBusy = false;
      drive();
    });
  };

  // Only the pages in view are fetched, at most MAX_IN_FLIGHT at a time: a fast scroll across a
  // million rows does not queue a query for every page it passed, only for where it stopped.
  let wanted = { first: 0, last: 0 };
  let inFlight = 0;
  const pump = () => {
    const { pages, loadingPages, tableError, totalState } = get();
    // After an error, wait for the next query or scroll instead of retrying in a loop; before the
    // first page, the lane is asking for it.
    if (tableError || totalState === 'pending') return;
    for (let p = wanted.first; p <= wanted.last && inFlight < MAX_IN_FLIGHT; p++) {
      if (pages[p] || loadingPages[p]) continue;
      inFlight++;
      void fetchPage(p).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  /** A new query: its old pages and answers are dropped; `known` is its total when already known. */
  const resetTable = (known?: number) => {
    set((s) => ({
      generation: s.generation + 1,
      pages: {},
      pageOrder: [],
      loadingPages: {},
      tableError: null,
      ...(known !== undefined
        ? { total: known, totalState: 'exact' as const }
        : { total: 0, totalState: 'pending' as const }),
    }));
    drive();
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
    totalState: 'pending',
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
      set({ selectedList: name, lastQueryMs: null, openSubscriber: null });
      if (!name) return;
      // The whole list's size is in its summary: shown at once (the first page brings the count).
      const { search, statusFilter } = get();
      resetTable(list && !search.trim() && !statusFilter ? list.total : undefined);
    },
    setStatusFilter(statusFilter) {
      set({ statusFilter });
      resetTable();
    },
    setSearch(search) {
      const before = get().search;
      set({ search });
      // Spaces around the text change nothing: the answer on screen stays.
      if (search.trim() !== before.trim()) resetTable();
    },
    setSort(col) {
      const { sort, desc, total, totalState } = get();
      set({ sort: col, desc: sort === col ? !desc : false });
      // The order changes, not how many match.
      resetTable(totalState === 'exact' ? total : undefined);
    },
    showSubscriber(id) {
      set({ openSubscriber: id });
    },
    refreshTable() {
      if (get().selectedList) resetTable();
    },
    ensurePages(firstRow, lastRow) {
      if (!get().selectedList) return;
      wanted = { first: Math.floor(firstRow / PAGE_SIZE), last: Math.floor(lastRow / PAGE_SIZE) };
      pump();
    },
  };
};
