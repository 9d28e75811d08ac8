import type Database from 'better-sqlite3';

/** One step of the schema. `up` is SQL text or a function for steps that must move data. */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}
