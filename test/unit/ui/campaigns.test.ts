/**
 * The Campaigns screen's rules, without a browser: which actions a campaign allows (the contract's one
 * table, which the engine's checks read too), and the one source of send numbers for the bar, its time
 * left and the tiles (issue 15 §4).
 */
import { describe, expect, it } from 'vitest';
import {
  CampaignStatusSchema,
  campaignActions,
  campaignAllows,
  statusesAllowing,
} from '../../../electron/engine/api/sending';
import { sendNumbers } from '../../../renderer/src/screens/campaigns/progress';
import { timeLeft } from '../../../renderer/src/components/duration';
import { noDeliveries, type SendProgress } from '../../../electron/engine/api/sending';

const counts = (o: Partial<Record<string, number>> = {}) => ({ ...noDeliveries(), ...o });

const tick = (o: Partial<SendProgress> = {}): SendProgress => ({
  campaignId: 1,
  sent: 400,
  failed: 10,
  skipped: 5,
  suppressed: 5,
  queued: 580,
  total: 1000,
  inFlight: 4,
  perSecond: 20,
  provider: 'Backup',
  state: 'sending',
  ...o,
});

describe('what a campaign allows', () => {
  it('is one table by status, read by the engine as the "from" of its transitions', () => {
    expect(statusesAllowing('pause')).toEqual(['scheduled', 'sending']);
    expect(statusesAllowing('cancel')).toEqual(['draft', 'scheduled', 'sending', 'paused']);
    expect(statusesAllowing('edit')).toEqual(['draft', 'scheduled']);
    expect(statusesAllowing('resume')).toEqual(['paused']);
  });

  it('resumes a paused campaign instead of offering to send it again (the engine refuses that)', () => {
    expect(campaignActions({ status: 'paused' })).toEqual([
      'schedule',
      'sendTest',
      'resume',
      'cancel',
      'policy',
    ]);
    expect(campaignAllows({ status: 'paused' }, 'send')).toBe(false);
  });

  it('offers nothing but the record for a cancelled campaign, and a new time only if it never started', () => {
    expect(campaignActions({ status: 'cancelled', startedAt: '2026-12-01T09:00:00Z' })).toEqual([]);
    expect(campaignActions({ status: 'cancelled', startedAt: null })).toEqual(['schedule']);
  });

  it('offers "retry failed" only when something failed', () => {
    const sent = { status: 'sent' as const, counts: counts({ failedTemp: 0, failedPerm: 0 }) };
    expect(campaignAllows(sent, 'retryFailed')).toBe(false);
    expect(campaignAllows({ ...sent, counts: counts({ failedPerm: 2 }) }, 'retryFailed')).toBe(true);
  });

  it('says something for every status', () => {
    for (const s of CampaignStatusSchema.options)
      expect(Array.isArray(campaignActions({ status: s }))).toBe(true);
  });
});

describe('send numbers: one source for the bar and the tiles', () => {
  it('fills the bar with exactly what the tiles count, while sending', () => {
    const n = sendNumbers({ status: 'sending', counts: counts({ total: 1000, sent: 300 }) }, tick());
    expect([n.total, n.sent, n.failed, n.skipped, n.waiting]).toEqual([1000, 400, 10, 10, 580]);
    expect(n.done).toBe(n.sent + n.failed + n.skipped);
    expect(n.done + n.waiting).toBe(n.total);
    expect(n.secondsLeft).toBeCloseTo(580 / 20);
  });

  it('"Sent through" agrees with the tiles while a run is live (the database lags behind the run)', () => {
    const n = sendNumbers(
      { status: 'sending', counts: counts({ total: 1000, sent: 1 }), byProvider: { Backup: 1 } },
      tick({ byProvider: { Primary: 100, Backup: 300 } }),
    );
    expect(n.byProvider).toEqual({ Primary: 100, Backup: 300 });
    expect(Object.values(n.byProvider).reduce((a, b) => a + b, 0)).toBe(n.sent);
    // Not sending: what the database holds.
    expect(
      sendNumbers({ status: 'sent', counts: counts({ sent: 2 }), byProvider: { Backup: 2 } }).byProvider,
    ).toEqual({ Backup: 2 });
  });

  it('shows no time left for a paused send, even with the last tick of its run still in the store', () => {
    const n = sendNumbers(
      { status: 'paused', counts: counts({ total: 1000, sent: 400, queued: 600 }) },
      tick({ state: 'sending', perSecond: 20 }),
    );
    expect(n.secondsLeft).toBeNull();
    expect(n.status).toMatch(/^Paused/);
    // The saved counts, not the stale tick.
    expect([n.sent, n.waiting]).toEqual([400, 600]);
  });

  it('shows no time left while the run waits for a provider', () => {
    const n = sendNumbers({ status: 'sending', counts: counts() }, tick({ state: 'waiting' }));
    expect(n.secondsLeft).toBeNull();
    expect(n.status).toMatch(/Waiting/);
  });

  it('counts failures the same way in the bar and the tiles when not live', () => {
    const n = sendNumbers(
      { status: 'sent', counts: counts({ total: 10, sent: 6, failedPerm: 2, failedTemp: 1, skipped: 1 }) },
      undefined,
    );
    expect([n.failed, n.skipped, n.waiting, n.done]).toEqual([3, 1, 0, 10]);
  });

  it('never says "about less than a second left"', () => {
    expect(timeLeft(0.4)).toBe('');
    expect(timeLeft(null)).toBe('');
    expect(timeLeft(42)).toBe(' · about 42 s left');
  });
});
