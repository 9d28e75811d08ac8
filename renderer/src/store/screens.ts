/** The app's screens in navigation order (their labels are what the navigation shows; tests read them too). */
export type Screen =
  | 'dashboard'
  | 'lists'
  | 'suppressions'
  | 'campaigns'
  | 'providers'
  | 'readiness'
  | 'incidents'
  | 'runbook'
  | 'backups'
  | 'settings';
export const SCREENS: { id: Screen; label: string }[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'lists', label: 'Lists' },
  { id: 'suppressions', label: 'Suppressions' },
  { id: 'campaigns', label: 'Campaigns' },
  { id: 'providers', label: 'Providers' },
  { id: 'readiness', label: 'Readiness' },
  { id: 'incidents', label: 'Incidents' },
  { id: 'runbook', label: 'Outage plan' },
  { id: 'backups', label: 'Backups' },
  { id: 'settings', label: 'Settings' },
];
