/**
 * Migration 5: an installation id for this database, random and made once, inside every Message-ID it
 * sends (`<understudy.<id>.c<campaign>.s<subscriber>@domain>`). Campaign and subscriber numbers start
 * at 1 in every database, so without it a new database — a reinstall, a second computer, a list
 * imported afresh — would send its first campaign with the Message-IDs of an earlier one. Receivers
 * drop a message whose Message-ID they have already seen (Gmail does), and a bounce or complaint
 * naming an old id would be matched to whoever has that number here. A restored backup keeps the id of
 * the database it was taken from.
 */
import type { Migration } from './types';

export const migration0005: Migration = {
  version: 5,
  name: 'installation id',
  up: `
    -- 12 lower-case hex characters (48 random bits): within messageIdFor's [a-z0-9]{1,16} scope.
    INSERT INTO meta (key, value) VALUES ('installation_id', lower(hex(randomblob(6))))
      ON CONFLICT (key) DO NOTHING;
  `,
};
