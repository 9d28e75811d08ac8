/**
 * Campaigns: the list and a month calendar; a campaign's detail (progress, actions, test, preview)
 * in a dialog; a new campaign. Which actions a campaign allows comes from the contract
 * (`campaignActions`); its preview from the engine's renderer (`previewCampaign`).
 */
import { useState } from 'react';
import { useResource, ResourceView } from '../../components/Resource';
import { CampaignTable } from './CampaignTable';
import { CampaignCalendar } from './CampaignCalendar';
import { CampaignDetailDialog } from './CampaignDetail';
import { NewCampaign } from './NewCampaign';

export function Campaigns() {
  const campaigns = useResource('listCampaigns');
  const [view, setView] = useState<'list' | 'calendar'>('list');
  const [selected, setSelected] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  return (
    <section className="screen" aria-labelledby="campaigns-title">
      <header className="screen-head">
        <h1 id="campaigns-title">Campaigns</h1>
        <div className="actions">
          <div role="group" aria-label="View" className="filters">
            <button type="button" aria-pressed={view === 'list'} onClick={() => setView('list')}>
              List
            </button>
            <button type="button" aria-pressed={view === 'calendar'} onClick={() => setView('calendar')}>
              Calendar
            </button>
          </div>
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New campaign…
          </button>
        </div>
      </header>
      <ResourceView res={campaigns} what="Campaigns">
        {(list) =>
          list.length === 0 ? (
            <p className="muted">
              No campaigns yet. Create one, or connect your ESP to mirror its scheduled campaigns.
            </p>
          ) : view === 'list' ? (
            <CampaignTable list={list} selected={selected} onSelect={setSelected} />
          ) : (
            <CampaignCalendar list={list} onSelect={setSelected} />
          )
        }
      </ResourceView>
      {selected !== null && <CampaignDetailDialog id={selected} onClose={() => setSelected(null)} />}
      {creating && (
        <NewCampaign
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            campaigns.reload();
            setSelected(id);
          }}
        />
      )}
    </section>
  );
}
