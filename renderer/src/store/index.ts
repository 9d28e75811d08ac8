/**
 * The one store, built from typed slices (zustand's slices pattern: docs/guides/slices-pattern.md).
 * Components select with `useStore(s => s.x)` or `useShallow` for computed picks. `resetStore()`
 * returns it to its initial state (docs/guides/testing.md) between tests.
 */
import { create } from 'zustand';
import { createAppSlice, type AppSlice } from './app';
import { createListsSlice, type ListsSlice } from './lists';
import { createImportSlice, type ImportSlice } from './imports';
import { createEventsSlice, type EventsSlice } from './events';

export type Store = AppSlice & ListsSlice & ImportSlice & EventsSlice;

export const useStore = create<Store>()((...a) => ({
  ...createAppSlice(...a),
  ...createListsSlice(...a),
  ...createImportSlice(...a),
  ...createEventsSlice(...a),
}));

const initialState = useStore.getState();

export function resetStore(): void {
  useStore.setState(initialState, true);
}
