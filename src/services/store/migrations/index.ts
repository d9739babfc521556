import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-foundation';

/**
 * Versioned migrations, applied in name order at start. Add a file per change and list it here;
 * never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
};

export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };
