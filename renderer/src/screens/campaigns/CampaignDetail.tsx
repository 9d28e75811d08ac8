/**
 * One campaign in a dialog: who it goes to and from, its progress and counts, what to review, what
 * its ESP or audience means for a backup send, its actions, a test, and its preview.
 */
import { useState } from 'react';
import { useStore } from '../../store';
import { useResource, ResourceView } from '../../components/Resource';
import { OutagePolicyControl } from '../../components/OutagePolicyControl';
import { Modal } from '../../components/Modal';
import { formatDateTime } from '../../components/format';
import type { CampaignDetail as Detail } from '../../api/shapes';
import { campaignActions } from '../../../../electron/engine/api/sending';
import { CampaignActions } from './CampaignActions';
import { CampaignPreview } from './CampaignPreview';
import { EditCampaign } from './EditCampaign';
import { SendProgress } from './SendProgress';
import { SendTestForm } from './SendTestForm';

export function CampaignDetailDialog({ id, onClose }: { id: number; onClose: () => void }) {
  const detail = useResource('getCampaign', { id });
  return (
    <Modal labelledBy="cd-title" onClose={onClose} wide>
      <ResourceView res={detail} what="Campaign">
        {(c) => <CampaignBody campaign={c} />}
      </ResourceView>
      <footer className="modal-foot">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </footer>
    </Modal>
  );
}

function CampaignBody({ campaign: c }: { campaign: Detail }) {
  const bumpData = useStore((s) => s.bumpData);
  // Whose values fill the preview and the test (null: the first subscribed member).
  const [as, setAs] = useState<string | null>(null);
  const allowed = new Set(campaignActions(c));
  return (
    <>
      <header className="modal-head">
        <h2 id="cd-title">{c.name}</h2>
        <p className="muted">
          “{c.subject}” from {c.fromName ? `${c.fromName} <${c.fromEmail}>` : c.fromEmail} to{' '}
          {c.list ?? 'no list'} · <span className={`cstatus cstatus-${c.status}`}>{c.status}</span>
          {c.scheduledAt ? ` · scheduled ${formatDateTime(c.scheduledAt)}` : ''}
        </p>
      </header>
      <SendProgress campaign={c} />
      {c.review.length > 0 && (
        <div className="notice warning" role="note" data-testid="campaign-review">
          <strong>Review before it is sent</strong>
          <ul>
            {c.review.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {c.custody && (
        <p className="notice" role="note" data-testid="campaign-custody">
          <strong>At {c.custody.esp}:</strong> {c.custody.sentence}
        </p>
      )}
      {c.audience && c.audience.backupReady && (
        <p className="notice" role="note" data-testid="campaign-audience">
          <strong>Who a backup sends it to:</strong> {c.audience.sentence}
        </p>
      )}
      {c.audience && !c.audience.backupReady && (
        <div className="notice warning" role="note" data-testid="campaign-audience">
          <p>{c.audience.sentence}</p>
          {c.audience.next && (
            <p>
              <strong>What to do:</strong> {c.audience.next}
            </p>
          )}
        </div>
      )}
      {allowed.has('edit') && <EditCampaign campaign={c} onSaved={() => bumpData()} />}
      {allowed.has('policy') && <OutagePolicyControl campaignId={c.id} />}
      <CampaignActions campaign={c} />
      {allowed.has('sendTest') && <SendTestForm campaignId={c.id} as={as} />}
      <CampaignPreview campaign={c} as={as} onAs={setAs} />
      {c.failures.length > 0 && (
        <details>
          <summary>{c.failures.length} recent failures</summary>
          <ul className="plain small">
            {c.failures.map((f, i) => (
              <li key={i}>
                {f.email}: {f.smtpCode ?? ''} {f.smtpEnhanced ?? ''} {f.reply ?? f.errorClass ?? f.state}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
