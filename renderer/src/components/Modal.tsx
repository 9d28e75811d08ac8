/**
 * The one dialog of the app: a backdrop and a panel that fits an 800 px window (no sideways scroll),
 * keeps focus inside while open (Tab and Shift+Tab cycle), closes on Escape (unless `onClose` is
 * null, e.g. while an import runs), and gives focus back to what opened it. `as="form"` makes the
 * panel the form, so Enter submits it. `ConfirmModal` replaces the browser's `confirm()`.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), iframe, summary, [tabindex]:not([tabindex="-1"])';

export interface ModalProps {
  /** The id of the heading that names the dialog. */
  labelledBy: string;
  /** Escape and the Cancel buttons call this; null while the dialog must stay (it says why). */
  onClose: (() => void) | null;
  children: ReactNode;
  wide?: boolean;
  as?: 'div' | 'form';
  onSubmit?: (e: React.FormEvent) => void;
  testId?: string;
  /** Something that changes what should get the first focus (a wizard's step). */
  focusKey?: unknown;
  describedBy?: string;
}

/**
 * The behaviour of the dialog (focus trap, Escape, focus back to the opener, first focus) for a panel
 * that keeps its own markup: spread the result on the element with role="dialog". `Modal` uses it.
 */
export function useDialog(onClose: (() => void) | null, focusKey?: unknown) {
  const ref = useRef<HTMLElement | null>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  // Remember the opener (at the first render: an autoFocus field takes focus before effects run);
  // give focus back to it when the dialog goes.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => {
    return () => {
      if (opener && document.contains(opener)) opener.focus();
    };
  }, [opener]);

  // First focus: an element asking for it (autoFocus), else the first field or button, else the panel.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.contains(document.activeElement) && document.activeElement !== el) return;
    const first =
      el.querySelector<HTMLElement>('[autofocus], [data-autofocus]') ??
      el.querySelector<HTMLElement>(
        'input:not([disabled]), select:not([disabled]), textarea:not([disabled])',
      ) ??
      el.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? el).focus();
  }, [focusKey]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      if (closeRef.current) {
        e.preventDefault();
        closeRef.current();
      }
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    e.stopPropagation(); // a dialog opened from a dialog keeps its own trap
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (x) => x.offsetParent !== null || x === document.activeElement,
    );
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === ref.current)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return { ref: (n: HTMLElement | null) => void (ref.current = n), onKeyDown, tabIndex: -1 } as const;
}

export function Modal({
  labelledBy,
  onClose,
  children,
  wide,
  as = 'div',
  onSubmit,
  testId,
  focusKey,
  describedBy,
}: ModalProps) {
  const dialog = useDialog(onClose, focusKey);
  const props = {
    className: wide ? 'modal wide' : 'modal',
    role: 'dialog',
    'aria-modal': true,
    'aria-labelledby': labelledBy,
    'aria-describedby': describedBy,
    'data-testid': testId,
    tabIndex: dialog.tabIndex,
    onKeyDown: dialog.onKeyDown,
  } as const;
  return (
    <div className="modal-backdrop">
      {as === 'form' ? (
        <form {...props} ref={dialog.ref} onSubmit={onSubmit}>
          {children}
        </form>
      ) : (
        <div {...props} ref={dialog.ref}>
          {children}
        </div>
      )}
    </div>
  );
}

/** A yes/no question in the app's own dialog (never the browser's `confirm()`). */
export function ConfirmModal({
  title,
  body,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger,
  onConfirm,
  onCancel,
  testId,
  busy,
}: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
  /** The answer is being carried out: both buttons are disabled until the dialog goes. */
  busy?: boolean;
}) {
  return (
    <Modal
      labelledBy="confirm-title"
      describedBy="confirm-body"
      onClose={onCancel}
      testId={testId ?? 'confirm-dialog'}
    >
      <h2 id="confirm-title">{title}</h2>
      <div id="confirm-body">{body}</div>
      <footer className="modal-foot">
        <button type="button" onClick={onCancel} disabled={busy} data-autofocus>
          {cancelLabel}
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </footer>
    </Modal>
  );
}

interface Ask {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
}

/**
 * `const [ask, confirmDialog] = useConfirm()`: `if (!(await ask({...}))) return;` where `confirm()`
 * was, and `{confirmDialog}` in the screen's output.
 */
export function useConfirm(): [(q: Ask) => Promise<boolean>, ReactNode] {
  const [q, setQ] = useState<(Ask & { resolve: (ok: boolean) => void }) | null>(null);
  const ask = (a: Ask) => new Promise<boolean>((resolve) => setQ({ ...a, resolve }));
  const done = (ok: boolean) => {
    q?.resolve(ok);
    setQ(null);
  };
  const el = q ? (
    <ConfirmModal
      title={q.title}
      body={<p>{q.body}</p>}
      confirmLabel={q.confirmLabel}
      danger={q.danger ?? false}
      onConfirm={() => done(true)}
      onCancel={() => done(false)}
    />
  ) : null;
  return [ask, el];
}
