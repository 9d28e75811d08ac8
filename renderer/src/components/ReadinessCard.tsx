/**
 * The first-run checklist that stays as the readiness card (issue 15 §2, issue 16 §6): connect the ESP
 * or import a list, add a backup account, postal address and unsubscribe, the backup mailbox, a drill.
 * Each item links to the screen that completes it and turns green when the engine says it is done;
 * under it, the overall verdict and the single next thing to do. Everything comes from the engine's
 * `readiness` call, so this card, the Readiness screen and the CLI say the same.
 */
import { useStore } from '../store';
import { useResource, ResourceView } from './Resource';
import type { Screen } from '../store/app';
import {
  READINESS_SCREEN_LABEL,
  READINESS_VERDICT_LABEL,
  type NextStep,
  type Readiness,
  type ReadinessVerdict,
} from '../../../electron/engine/api/readiness';

export const VERDICT_CLASS: Record<ReadinessVerdict, string> = {
  ready: 'rd-ok',
  warnings: 'rd-warning',
  not_ready: 'rd-problem',
};

/** A link to the screen where a step is done (a link, since it goes somewhere; the app's own navigation). */
export function GoTo({ screen, children }: { screen: Screen; children: React.ReactNode }) {
  const setScreen = useStore((s) => s.setScreen);
  return (
    <a
      href={`#${screen}`}
      className="rd-link"
      onClick={(e) => {
        e.preventDefault();
        setScreen(screen);
      }}
    >
      {children}
    </a>
  );
}

/** The next thing to do, with a link to its screen (none when it is the screen showing it). */
export function NextThing({ next, here }: { next: NextStep; here?: Screen }) {
  return (
    <div className="rd-next" data-testid="readiness-next">
      <strong>Next:</strong> {next.text}{' '}
      {next.screen !== here && <GoTo screen={next.screen}>Open {READINESS_SCREEN_LABEL[next.screen]}</GoTo>}
    </div>
  );
}

export function ReadinessCard() {
  const res = useResource('readiness');
  return (
    <article className="card rd-card" aria-labelledby="card-readiness" data-testid="readiness-card">
      <h2 id="card-readiness">Ready for an outage?</h2>
      <ResourceView res={res} what="Readiness">
        {(v) => {
          const r = v as Readiness;
          return (
            <>
              <p className={`rd-verdict ${VERDICT_CLASS[r.verdict]}`} data-testid="readiness-verdict">
                {READINESS_VERDICT_LABEL[r.verdict]}
              </p>
              <ol className="rd-checklist" aria-label="Getting ready">
                {r.checklist.map((c) => (
                  <li
                    key={c.id}
                    className={c.done ? 'rd-item done' : 'rd-item'}
                    data-testid="checklist-item"
                    data-done={c.done ? 'yes' : 'no'}
                  >
                    <span className="rd-mark" aria-hidden="true">
                      {c.done ? '✓' : '○'}
                    </span>
                    <span>
                      <GoTo screen={c.screen}>{c.label}</GoTo>
                      <span className="sr-only">{c.done ? ' (done)' : ' (to do)'}</span>
                      <span className="muted small rd-words">{c.words}</span>
                    </span>
                  </li>
                ))}
              </ol>
              {r.next && <NextThing next={r.next} />}
              <p className="small">
                <GoTo screen="readiness">See each backup’s readiness</GoTo>
              </p>
            </>
          );
        }}
      </ResourceView>
    </article>
  );
}
