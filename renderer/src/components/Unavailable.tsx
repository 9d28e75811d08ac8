/** What a screen shows when the engine does not have its calls yet: an honest statement, no fake data. */
export function Unavailable({ what, calls }: { what: string; calls: string[] }) {
  return (
    <div className="unavailable" role="status">
      <h3>{what}: not available yet</h3>
      <p>
        This version of the Understudy engine does not provide {what.toLowerCase()} yet, so there is nothing
        to show here. Nothing is hidden from you: when the engine gains it, this panel fills in by itself.
      </p>
      <p className="muted">Engine calls this panel needs: {calls.join(', ')}</p>
    </div>
  );
}
