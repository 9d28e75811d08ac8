/**
 * Time, injectable. Everything in the engine that reads "now" takes a Clock so scheduler, rate-limit and
 * backoff tests can run on a simulated clock instead of sleeping.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** ISO-8601 UTC with milliseconds: the one timestamp format stored in SQLite (sorts as text). */
export function isoNow(clock: Clock = systemClock): string {
  return new Date(clock.now()).toISOString();
}

export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
