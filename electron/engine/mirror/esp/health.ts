/**
 * Shared health probe: the ESP API's cheapest authenticated call plus its public status page in the
 * Statuspage format (`/api/v2/summary.json`, falling back to `/api/v2/status.json`). Every connector's
 * `health()` is `probeHealth(...)` with its own probe call and default status page.
 * Statuspage's public API: https://metastatuspage.com/api (status.indicator none|minor|major|critical).
 */
import { isoNow, systemClock, type Clock } from '../../clock';
import { isEspError, type EspHttp } from './http';
import type { ApiProbeResult, CallOptions, EspHealth, StatusIndicator, StatusPageResult } from './types';

interface StatuspageSummary {
  status?: { indicator?: string; description?: string };
  components?: { name?: string; status?: string; group?: boolean }[];
}

const INDICATORS: StatusIndicator[] = ['none', 'minor', 'major', 'critical', 'maintenance'];

/** Reads a Statuspage page (base like https://status.mailchimp.com). Never throws. */
export async function readStatusPage(
  http: EspHttp,
  base: string,
  opts: CallOptions = {},
): Promise<StatusPageResult> {
  const root = base.replace(/\/+$/, '').replace(/\/api\/v2\/(summary|status)\.json$/, '');
  for (const file of ['summary.json', 'status.json']) {
    const url = `${root}/api/v2/${file}`;
    try {
      const body = await http.get<StatuspageSummary>(url, {
        absolute: true,
        signal: opts.signal,
        headers: {},
        noRetry: true,
      });
      const raw = body?.status?.indicator ?? 'unknown';
      const indicator = (INDICATORS as string[]).includes(raw) ? (raw as StatusIndicator) : 'unknown';
      const components = (body?.components ?? [])
        .filter((c) => !c.group && c.status && c.status !== 'operational')
        .map((c) => ({ name: String(c.name ?? ''), status: String(c.status) }));
      return {
        indicator,
        description: body?.status?.description ?? 'No description',
        ...(file === 'summary.json' ? { components } : {}),
        url,
      };
    } catch (e) {
      if (isEspError(e) && e.status === 404 && file === 'summary.json') continue;
      return {
        indicator: 'unknown',
        description: `The status page did not answer: ${(e as Error).message}`,
        url,
      };
    }
  }
  return { indicator: 'unknown', description: 'The status page did not answer.', url: root };
}

/** Times one authenticated call and classifies the outcome. Never throws. */
export async function probeApi(
  clock: Clock,
  call: () => Promise<{ account?: string | null } | void>,
): Promise<ApiProbeResult> {
  const started = clock.now();
  try {
    const r = await call();
    return {
      state: 'ok',
      message: 'The API answered.',
      latencyMs: clock.now() - started,
      account: r?.account ?? null,
    };
  } catch (e) {
    const latencyMs = clock.now() - started;
    if (isEspError(e) && e.espCodeName === 'esp_auth')
      return { state: 'auth', message: e.toRecordLine(), latencyMs };
    return {
      state: 'down',
      message: isEspError(e) ? e.toRecordLine() : String((e as Error)?.message ?? e),
      latencyMs,
    };
  }
}

export async function probeHealth(input: {
  http: EspHttp;
  clock?: Clock | undefined;
  statusUrl: string | null;
  call: () => Promise<{ account?: string | null } | void>;
  signal?: AbortSignal | undefined;
}): Promise<EspHealth> {
  const clock = input.clock ?? systemClock;
  const [api, statusPage] = await Promise.all([
    probeApi(clock, input.call),
    input.statusUrl
      ? readStatusPage(input.http, input.statusUrl, { signal: input.signal })
      : Promise.resolve(null),
  ]);
  // A page that says the whole service is out (Statuspage's "critical" indicator, shown as "Major
  // outage"/"Major System Outage") means down even if the API still answered our cheap probe: sends are
  // what fail first. A partial outage ("major" with "Partial ...") or a minor one is degraded.
  const pageDown =
    statusPage &&
    (statusPage.indicator === 'critical' || /\bmajor (system )?outage\b/i.test(statusPage.description));
  const pageBad = statusPage && statusPage.indicator === 'major';
  const pageMinor =
    statusPage && (statusPage.indicator === 'minor' || statusPage.indicator === 'maintenance');
  const overall: EspHealth['overall'] =
    api.state === 'down' || pageDown
      ? 'down'
      : api.state === 'auth' || pageBad || pageMinor
        ? 'degraded'
        : 'operational';
  return { overall, api, statusPage, checkedAt: isoNow(clock) };
}
