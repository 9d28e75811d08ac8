/**
 * Import wizard slice: file → preview (format, mapping, sample) → import with progress → result.
 * Cancel aborts the upload if it is still going and asks the engine to cancel the task; the engine
 * rolls the whole import back, so a cancelled import leaves the list exactly as it was.
 */
import type { StateCreator } from 'zustand';
import type { Store } from './index';
import type { ApiError, ImportFormat, ImportProgress, ImportResult, SubscriberStatusT } from '../api/types';
import type { ChosenFile, ImportPreview } from '../api/bridge';
import { api } from '../api/client';

export type WizardStep = 'closed' | 'choose' | 'map' | 'running' | 'done';

export interface ImportSlice {
  wizard: {
    step: WizardStep;
    file: ChosenFile | null;
    list: string;
    format: ImportFormat;
    map: Record<string, string>;
    status: SubscriberStatusT | null;
    preview: ImportPreview | null;
    error: ApiError | null;
    taskId: string | null;
    startedAt: number;
    uploaded: number;
    progress: ImportProgress | null;
    result: ImportResult | null;
    cancelling: boolean;
    /** The list name was typed by the person: choosing another file no longer renames it. */
    listTyped: boolean;
  };
  openWizard(): void;
  closeWizard(): void;
  chooseFile(file: ChosenFile): Promise<void>;
  setImportOptions(
    o: Partial<Pick<ImportSlice['wizard'], 'list' | 'format' | 'map' | 'status'>>,
  ): Promise<void>;
  startImport(): Promise<void>;
  cancelImport(): Promise<void>;
  onImportProgress(p: ImportProgress): void;
}

const initialWizard: ImportSlice['wizard'] = {
  step: 'closed',
  file: null,
  list: '',
  format: 'auto',
  map: {},
  status: null,
  preview: null,
  error: null,
  taskId: null,
  startedAt: 0,
  uploaded: 0,
  progress: null,
  result: null,
  cancelling: false,
  listTyped: false,
};

export const createImportSlice: StateCreator<Store, [], [], ImportSlice> = (set, get) => {
  const patch = (w: Partial<ImportSlice['wizard']>) => set((s) => ({ wizard: { ...s.wizard, ...w } }));
  const refreshPreview = async () => {
    const { file, format, map } = get().wizard;
    if (!file) return;
    const env = await api().previewImport(file, { format, map });
    if (get().wizard.file !== file) return;
    if (env.ok) patch({ preview: env.value, error: null, step: 'map' });
    // A file that cannot be previewed cannot be imported: back to choosing one (the error says why).
    else patch({ preview: null, error: env.error, step: 'choose' });
  };
  return {
    wizard: initialWizard,
    // Opened from a list: that list is the person's choice (the dialog says "Import into …" it).
    openWizard: () => {
      const list = get().selectedList ?? '';
      set({ wizard: { ...initialWizard, step: 'choose', list, listTyped: list !== '' } });
    },
    closeWizard: () => set({ wizard: initialWizard }),
    async chooseFile(file) {
      const base = file.name
        .replace(/\.[^.]+$/, '')
        .replace(/[_-]+/g, ' ')
        .trim();
      // The name follows the file (a second file chosen renames it again) until the person types one.
      const w = get().wizard;
      patch({ file, map: {}, format: 'auto', preview: null, error: null, list: w.listTyped ? w.list : base });
      await refreshPreview();
    },
    async setImportOptions(o) {
      patch(o.list !== undefined ? { ...o, listTyped: o.list.trim() !== '' } : o);
      if (o.format !== undefined || o.map !== undefined) await refreshPreview();
    },
    async startImport() {
      const w = get().wizard;
      if (!w.file || !w.list.trim()) return;
      const taskId = crypto.randomUUID();
      patch({
        step: 'running',
        taskId,
        startedAt: Date.now(),
        uploaded: 0,
        progress: null,
        error: null,
        cancelling: false,
      });
      const env = await api().importFile(
        w.file,
        {
          list: w.list.trim(),
          format: w.format,
          map: w.map,
          taskId,
          ...(w.status ? { status: w.status } : {}),
        },
        (sent) => {
          if (get().wizard.taskId === taskId) patch({ uploaded: sent });
        },
      );
      if (get().wizard.taskId !== taskId) return;
      if (env.ok) {
        patch({ step: 'done', result: env.value, cancelling: false });
        await get().loadLists();
        get().selectList(env.value.list);
      } else {
        patch({ step: 'done', result: null, error: env.error, cancelling: false });
      }
    },
    async cancelImport() {
      const { taskId } = get().wizard;
      if (!taskId) return;
      patch({ cancelling: true });
      api().abortUpload(taskId);
      await api().cancelTask({ taskId });
    },
    onImportProgress(p) {
      if (get().wizard.taskId === p.taskId) patch({ progress: p });
    },
  };
};
