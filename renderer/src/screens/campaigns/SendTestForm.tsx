/** One test of the campaign to the marketer's address, filled with the values of the person previewed. */
import { useState } from 'react';
import { useStore } from '../../store';
import { ErrorBox } from '../../components/ErrorBox';
import type { ApiError } from '../../api/types';

export function SendTestForm({ campaignId, as }: { campaignId: number; as: string | null }) {
  const act = useStore((s) => s.act);
  const [to, setTo] = useState('');
  const [testing, setTesting] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const send = async () => {
    setError(null);
    setDone(null);
    setTesting(true);
    const r = await act('sendTest', { id: campaignId, to, ...(as ? { as } : {}) });
    setTesting(false);
    if (!r.ok) return setError(r.error);
    setDone(`Test sent to ${r.value.to} through ${r.value.provider}.`);
  };
  return (
    <>
      <form
        className="inline-field"
        aria-label="Send a test"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label htmlFor="cd-test">Send a test to</label>
        <input
          id="cd-test"
          type="email"
          required
          placeholder="you@yourshop.com"
          value={to}
          onChange={(e) => setTo(e.target.value)}
        />
        <button type="submit" disabled={!to || testing}>
          {testing ? 'Sending…' : 'Send test'}
        </button>
        {done && (
          <span role="status" className="muted small">
            {done}
          </span>
        )}
      </form>
      {error && <ErrorBox error={error} onDismiss={() => setError(null)} />}
    </>
  );
}
