/**
 * The import wizard: choose a file → see what was detected (format, encoding, delimiter) and how each
 * column maps, with sample rows → import with a progress bar, counts and an estimate → the result and
 * the reject report. Cancel really cancels: the engine rolls the import back.
 */
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { api } from '../api/client';
import { ErrorBox } from '../components/ErrorBox';
import { Progress, formatCount, formatDuration } from '../components/Progress';
import type { ImportFormat, SubscriberStatusT } from '../api/types';
import {
  IMPORT_FIELDS,
  IMPORT_FORMATS,
  importHeadline,
  type ImportField,
} from '../../../electron/engine/api/lists';
import { SUBSCRIBER_STATUSES } from '../../../electron/engine/api/common';
import { Modal } from '../components/Modal';

const FORMATS: { id: ImportFormat; label: string }[] = [
  { id: 'auto', label: 'Detect automatically' },
  ...IMPORT_FORMATS,
];
const FORMAT_NAMES: Record<string, string> = Object.fromEntries(FORMATS.map((f) => [f.id, f.label]));
const FIELDS: readonly string[] = IMPORT_FIELDS;
/** How a field reads in the mapping step (the opt-out ones say what they do to the status). */
const FIELD_LABELS: Partial<Record<ImportField, string>> = {
  email: 'email address',
  status: 'status (subscribed, unsubscribed…)',
  consent: 'consent (no = do not email)',
  blocklisted: 'do not email (yes = do not email)',
  unsubscribed_at: 'unsubscribe date (filled in = unsubscribed)',
  cleaned_at: 'cleaned date (filled in = cleaned)',
  bounced_at: 'bounce date (filled in = bounced)',
  optin_time: 'opt-in date',
  optin_ip: 'opt-in IP address',
  confirm_time: 'confirmation date',
  confirm_ip: 'confirmation IP address',
  status_changed_at: 'date the status changed',
  status_reason: 'reason for the status',
  esp_id: 'ID at the ESP',
  esp_changed_at: 'last changed at the ESP',
  ignore: 'ignore (not about the person or their consent)',
};
/** What a file's rows may be imported as (archived is the ESP's word for removed, not a choice here). */
const STATUSES = SUBSCRIBER_STATUSES.filter((s) => s !== 'archived');

// eslint-disable-next-line max-lines-per-function -- the wizard's steps share its state; mostly markup
export function ImportWizard() {
  const { w, lists, closeWizard, chooseFile, setImportOptions, startImport, cancelImport } = useStore(
    useShallow((s) => ({
      w: s.wizard,
      lists: s.lists,
      closeWizard: s.closeWizard,
      chooseFile: s.chooseFile,
      setImportOptions: s.setImportOptions,
      startImport: s.startImport,
      cancelImport: s.cancelImport,
    })),
  );
  const pickFile = api().pickFile?.bind(api());
  const running = w.step === 'running';

  return (
    <Modal labelledBy="wizard-title" onClose={running ? null : closeWizard} wide focusKey={w.step}>
      <header className="modal-head">
        <h2 id="wizard-title">Import a list</h2>
        <ol className="steps" aria-label="Steps">
          {(['choose', 'map', 'running', 'done'] as const).map((s, i) => (
            <li key={s} aria-current={w.step === s ? 'step' : undefined}>
              {i + 1}. {['File', 'Check columns', 'Import', 'Result'][i]}
            </li>
          ))}
        </ol>
      </header>

      {(w.step === 'choose' || w.step === 'map') && (
        <div className="field">
          <label htmlFor="import-file">Export file from your ESP (CSV or TSV)</label>
          {pickFile ? (
            // Desktop app: the file is chosen in the app's own window; the page never holds its path.
            <button
              id="import-file"
              type="button"
              onClick={() =>
                void pickFile('importList', 'file').then((r) => (r.ok ? chooseFile(r.value) : undefined))
              }
            >
              Choose file…
            </button>
          ) : (
            <input
              id="import-file"
              type="file"
              accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void chooseFile(f);
              }}
            />
          )}
          {w.file && (
            <p className="muted">
              {w.file.name} · {(w.file.size / 1024 / 1024).toFixed(1)} MB
            </p>
          )}
        </div>
      )}
      {w.error && w.step !== 'done' && <ErrorBox error={w.error} />}

      {w.step === 'map' && w.preview && (
        <>
          <p className="detected" data-testid="detected">
            Detected: <strong>{FORMAT_NAMES[w.preview.detectedFormat] ?? w.preview.detectedFormat}</strong>{' '}
            format, {w.preview.encoding.toUpperCase()}, columns separated by{' '}
            {w.preview.delimiter === '\t' ? 'tabs' : `"${w.preview.delimiter}"`}.
          </p>
          <div className="form-row">
            <div className="field">
              <label htmlFor="import-list">Into list</label>
              <input
                id="import-list"
                list="known-lists"
                value={w.list}
                onChange={(e) => void setImportOptions({ list: e.target.value })}
              />
              <datalist id="known-lists">
                {lists.map((l) => (
                  <option key={l.id} value={l.name} />
                ))}
              </datalist>
            </div>
            <div className="field">
              <label htmlFor="import-format">Format</label>
              <select
                id="import-format"
                value={w.format}
                onChange={(e) => void setImportOptions({ format: e.target.value as ImportFormat, map: {} })}
              >
                {FORMATS.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="import-status">Status when the file does not say</label>
              <select
                id="import-status"
                value={w.status ?? ''}
                onChange={(e) =>
                  void setImportOptions({ status: (e.target.value || null) as SubscriberStatusT | null })
                }
              >
                <option value="">From the file (else subscribed)</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {w.preview.problem && (
            <ErrorBox
              error={{
                kind: 'user',
                code: 'mapping',
                message: w.preview.problem.message,
                safe: 'Nothing was imported.',
                ...(w.preview.problem.next ? { next: w.preview.problem.next } : {}),
              }}
            />
          )}
          <div className="mapping-wrap">
            <table className="mapping">
              <caption className="sr-only">How each column of the file will be imported</caption>
              <thead>
                <tr>
                  <th scope="col">Column in the file</th>
                  <th scope="col">Imported as</th>
                  <th scope="col">First rows</th>
                </tr>
              </thead>
              <tbody>
                {w.preview.header.map((h, i) => {
                  const target = w.preview!.targets[i] ?? 'ignore';
                  const options = FIELDS.includes(target) ? FIELDS : [target, ...FIELDS];
                  const ask = w.preview!.problem?.columns?.includes(h) === true;
                  return (
                    <tr key={`${h}-${i}`} className={ask ? 'needs-answer' : undefined}>
                      <th scope="row">
                        {h}
                        {ask && (
                          <span className="ask">Does it say who may be emailed? Choose what it holds.</span>
                        )}
                      </th>
                      <td>
                        <select
                          aria-label={`Import column ${h} as`}
                          aria-invalid={ask || undefined}
                          value={ask ? '' : target}
                          onChange={(e) => void setImportOptions({ map: { ...w.map, [h]: e.target.value } })}
                        >
                          {ask && (
                            <option value="" disabled>
                              Choose what it holds…
                            </option>
                          )}
                          {options.map((o) => (
                            <option key={o} value={o}>
                              {o.startsWith('merge:')
                                ? `merge field ${o.slice(6)}`
                                : o.startsWith('extra:')
                                  ? `kept as extra "${o.slice(6)}"`
                                  : (FIELD_LABELS[o as ImportField] ?? o.replace(/_/g, ' '))}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td className="sample">
                        {w
                          .preview!.sample.map((r) => r[i] ?? '')
                          .filter(Boolean)
                          .slice(0, 3)
                          .join(' · ')}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}

      {running && <ImportRunning />}
      {w.step === 'done' && <ImportDone />}

      <footer className="modal-foot">
        {w.step === 'map' && (
          <button
            type="button"
            className="primary"
            disabled={!w.list.trim() || !w.preview || !!w.preview.problem}
            onClick={() => void startImport()}
          >
            Import into “{w.list.trim() || '…'}”
          </button>
        )}
        {running && (
          <button
            type="button"
            className="danger"
            onClick={() => void cancelImport()}
            disabled={w.cancelling}
          >
            {w.cancelling ? 'Cancelling…' : 'Cancel import'}
          </button>
        )}
        {!running && (
          <button type="button" onClick={closeWizard}>
            {w.step === 'done' ? 'Close' : 'Cancel'}
          </button>
        )}
      </footer>
    </Modal>
  );
}

function ImportRunning() {
  const w = useStore((s) => s.wizard);
  const size = w.file?.size ?? 0;
  const uploading = api().mode === 'browser' && !w.progress && w.uploaded < size;
  if (uploading) {
    return (
      <Progress
        label="Uploading the file"
        done={w.uploaded}
        total={size}
        startedAt={w.startedAt}
        detail={`${(w.uploaded / 1024 / 1024).toFixed(1)} of ${(size / 1024 / 1024).toFixed(1)} MB`}
      />
    );
  }
  const p = w.progress;
  if (!p || p.phase === 'reading') {
    return (
      <Progress
        label="Reading and checking rows"
        done={p?.bytes ?? 0}
        total={p?.totalBytes ?? size}
        startedAt={w.startedAt}
        detail={`${formatCount(p?.rows ?? 0)} ${(p?.rows ?? 0) === 1 ? 'row' : 'rows'} read`}
      />
    );
  }
  return (
    <Progress
      label={`Saving ${formatCount(p.rows)} ${p.rows === 1 ? 'row' : 'rows'} into “${w.list}”`}
      done={p.phase === 'done' ? 1 : 0.99}
      total={1}
      startedAt={w.startedAt}
      detail="Merging in one transaction: the list changes all at once, or not at all."
    />
  );
}

function ImportDone() {
  const w = useStore((s) => s.wizard);
  if (!w.result) {
    return w.error ? <ErrorBox error={w.error} /> : null;
  }
  const r = w.result;
  const reportUrl = r.rejectReport ? api().fileUrl(r.rejectReport) : null;
  return (
    <div className="import-result" role="status" data-testid="import-result">
      <h3 data-testid="import-headline">{importHeadline(r)}</h3>
      <dl className="counts">
        <div>
          <dt>New</dt>
          <dd>{formatCount(r.imported)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatCount(r.updated)}</dd>
        </div>
        <div>
          <dt>Unchanged</dt>
          <dd>{formatCount(r.unchanged)}</dd>
        </div>
        <div>
          <dt>Duplicates in file</dt>
          <dd>{formatCount(r.duplicates)}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd>{formatCount(r.rejected)}</dd>
        </div>
      </dl>
      <p className="muted">
        {formatCount(r.rows)} {r.rows === 1 ? 'row' : 'rows'} read in {formatDuration(r.durationMs / 1000)};{' '}
        {FORMAT_NAMES[r.format] ?? r.format} format, {r.encoding}. Statuses:{' '}
        {Object.entries(r.byStatus)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${s} ${formatCount(n)}`)
          .join(', ') || 'none'}
        .
      </p>
      {r.rejectReport && (
        <p>
          {r.rejected === 1 ? '1 row was' : `${formatCount(r.rejected)} rows were`} not imported; the reject
          report lists each with its line and reason.{' '}
          {reportUrl ? (
            <a href={reportUrl} download>
              Download the reject report
            </a>
          ) : (
            <button type="button" className="link" onClick={() => api().revealFile(r.rejectReport!)}>
              Show the reject report
            </button>
          )}
        </p>
      )}
    </div>
  );
}
