/** The database layer's public face: the connection and one repository per table family. */
import type { Db } from './connection';
import { ListsRepo } from './repos/lists';
import { SubscribersRepo } from './repos/subscribers';
import { EventsRepo } from './repos/events';
import { ImportsRepo } from './repos/imports';
import { MetaRepo } from './repos/meta';
import { BackupsRepo } from './repos/backups';
import { SettingsRepo } from './repos/settings';
import { IncidentsRepo } from './repos/incidents';
import { DrillsRepo } from './repos/drills';
import { SchedulesRepo } from './repos/schedules';
import { HealthRepo } from './repos/health';
import { ReportsRepo } from './repos/reports';
import { CodesRepo } from './repos/codes';
import { ProvidersRepo } from './repos/providers';
import { CampaignsRepo } from './repos/campaigns';
import { DeliveriesRepo } from './repos/deliveries';
import { SuppressionsRepo } from './repos/suppressions';
import { ProviderStateRepo } from './repos/providerState';
import { CampaignRunsRepo } from './repos/campaignRuns';
import { ObligationsRepo } from './repos/obligations';
import { DnsAuthRepo } from './repos/dnsAuth';
import { ReviewsRepo } from './repos/reviews';
import { ReputationRepo } from './repos/reputation';
import { RelayFeedbackRepo } from './repos/relayFeedback';
import { EspSyncRepo } from './repos/espSync';
import { EspPushbackRepo } from './repos/espPushback';
import { EspCampaignsRepo } from './repos/espCampaigns';
import { CampaignAudienceRepo } from './repos/campaignAudience';
import { InboxRepo } from './repos/inbox';
import { UnsubscribeReviewRepo } from './repos/unsubscribeReview';

export {
  openDatabase,
  migrate,
  runCheck,
  sealDatabase,
  schemaVersion,
  useNativeBinding,
  type Db,
  type OpenOptions,
} from './connection';

export interface Repos {
  lists: ListsRepo;
  subscribers: SubscribersRepo;
  events: EventsRepo;
  imports: ImportsRepo;
  meta: MetaRepo;
  backups: BackupsRepo;
  settings: SettingsRepo;
  incidents: IncidentsRepo;
  drills: DrillsRepo;
  schedules: SchedulesRepo;
  health: HealthRepo;
  reports: ReportsRepo;
  codes: CodesRepo;
  providers: ProvidersRepo;
  campaigns: CampaignsRepo;
  deliveries: DeliveriesRepo;
  suppressions: SuppressionsRepo;
  providerState: ProviderStateRepo;
  campaignRuns: CampaignRunsRepo;
  obligations: ObligationsRepo;
  dnsAuth: DnsAuthRepo;
  reviews: ReviewsRepo;
  reputation: ReputationRepo;
  relayFeedback: RelayFeedbackRepo;
  /** The ESP mirror: connections, checkpoints, linked lists and members. */
  espSync: EspSyncRepo;
  espPushback: EspPushbackRepo;
  espCampaigns: EspCampaignsRepo;
  audience: CampaignAudienceRepo;
  inbox: InboxRepo;
  unsubscribeReview: UnsubscribeReviewRepo;
}

export function createRepos(db: Db): Repos {
  // The one writer of `campaigns`, shared by the repositories that decide when a campaign changes.
  const campaigns = new CampaignsRepo(db);
  return {
    lists: new ListsRepo(db),
    subscribers: new SubscribersRepo(db),
    events: new EventsRepo(db),
    imports: new ImportsRepo(db),
    meta: new MetaRepo(db),
    backups: new BackupsRepo(db),
    settings: new SettingsRepo(db),
    incidents: new IncidentsRepo(db),
    drills: new DrillsRepo(db),
    schedules: new SchedulesRepo(db, campaigns),
    health: new HealthRepo(db),
    reports: new ReportsRepo(db),
    codes: new CodesRepo(db),
    providers: new ProvidersRepo(db),
    campaigns,
    deliveries: new DeliveriesRepo(db),
    suppressions: new SuppressionsRepo(db),
    providerState: new ProviderStateRepo(db),
    campaignRuns: new CampaignRunsRepo(db),
    obligations: new ObligationsRepo(db),
    dnsAuth: new DnsAuthRepo(db),
    reviews: new ReviewsRepo(db),
    reputation: new ReputationRepo(db),
    relayFeedback: new RelayFeedbackRepo(db),
    espSync: new EspSyncRepo(db),
    espPushback: new EspPushbackRepo(db),
    espCampaigns: new EspCampaignsRepo(db, campaigns),
    audience: new CampaignAudienceRepo(db),
    inbox: new InboxRepo(db),
    unsubscribeReview: new UnsubscribeReviewRepo(db),
  };
}
