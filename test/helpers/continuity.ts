/** Rows the continuity tests need (providers, a list, campaigns), written straight into a test database. */
import type { Engine } from '../../electron/engine/engine';

export function addProvider(
  engine: Engine,
  p: {
    name: string;
    kind: 'smtp' | 'esp';
    type?: string;
    priority?: number;
    health?: string;
    config?: object;
  },
): number {
  const now = engine.now();
  return Number(
    engine.db
      .prepare(
        `INSERT INTO providers (name, kind, type, config, priority, health, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.name,
        p.kind,
        p.type ?? (p.kind === 'smtp' ? 'smtp' : 'mailchimp'),
        JSON.stringify(p.config ?? {}),
        p.priority ?? 100,
        p.health ?? 'operational',
        now,
        now,
      ).lastInsertRowid,
  );
}

export function addList(engine: Engine, name: string, emails: string[]): number {
  const now = engine.now();
  const list = engine.repos.lists.create({ name, now });
  const ins = engine.db.prepare(
    `INSERT INTO subscribers (list_id, email, email_norm, first_name, status, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'subscribed', 'test', ?, ?)`,
  );
  engine.db.transaction(() => {
    emails.forEach((e, i) => ins.run(list.id, e, e.toLowerCase(), `Name${i}`, now, now));
  })();
  return list.id;
}

export function addCampaign(
  engine: Engine,
  c: {
    listId: number;
    scheduledAt?: string | null;
    timeZone?: string;
    providerId?: number | null;
    espCampaignId?: string | null;
    status?: string;
    outagePolicy?: object | null;
    name?: string;
  },
): number {
  const now = engine.now();
  return Number(
    engine.db
      .prepare(
        `INSERT INTO campaigns (provider_id, esp_campaign_id, list_id, name, subject, from_name, from_email, html, text,
           scheduled_at, time_zone, status, outage_policy, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'Winter sale', 'Shop', 'shop@example.com', '<p>Hi *|FNAME|*</p>', 'Hi', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.providerId ?? null,
        c.espCampaignId ?? null,
        c.listId,
        c.name ?? 'Winter sale',
        c.scheduledAt ?? null,
        c.timeZone ?? 'UTC',
        c.status ?? (c.scheduledAt ? 'scheduled' : 'draft'),
        c.outagePolicy ? JSON.stringify(c.outagePolicy) : null,
        now,
        now,
      ).lastInsertRowid,
  );
}
