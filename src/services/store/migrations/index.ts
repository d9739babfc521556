import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-foundation';
import * as m0002 from './0002-reports';
import * as m0003 from './0003-intake';
import * as m0020 from './0020-jobs';
import * as m0010 from './0010-consultations';
import * as m0040 from './0040-retention';
import * as m0021 from './0021-reminders';
import * as m0050 from './0050-delivery-doubt';
import * as m0030 from './0030-statistics-rollup';
import * as m0060 from './0060-outbox-deadline';
import * as m0070 from './0070-key-checks';
import * as m0080 from './0080-audit-chains';
import * as m0120 from './0120-reporter-role';
import * as m0130 from './0130-consultation-reviews';
import * as m0150 from './0150-registration';
import * as m0140 from './0140-acute-and-handlers';
import * as m0160 from './0160-statistics-deltas';
import * as m0161 from './0161-report-reference-sequences';
import * as m0170 from './0170-follow-up-measures';
import * as m0190 from './0190-statistics-pattern';

/**
 * Versioned migrations, applied in name order at start. Add a file per change and list it here;
 * never edit one that has shipped. Numbers by area leave room for parallel work: 0002-0009 reports
 * and intake, 0010-0019 consultation, 0020-0029 reminders and jobs, 0030-0039 statistics,
 * 0040-0049 security and retention, 0050-0059 security (delivery), 0060-0069 scale.
 * 0040-0049 security and retention, 0060-0069 scale, 0070-0079 keys and the HTTP front,
 * 0120-0129 the report form, 0130-0139 consultation reviews, 0140-0149 acute reports and handlers,
 * 0150-0159 registration and purge, 0160-0169 throughput on PostgreSQL, 0170-0189 the follow-up measures, 0190-0199 the statistics' kept pattern.
 */
export const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-reports': m0002,
  '0003-intake': m0003,
  '0010-consultations': m0010,
  '0020-jobs': m0020,
  '0040-retention': m0040,
  '0021-reminders': m0021,
  '0050-delivery-doubt': m0050,
  '0030-statistics-rollup': m0030,
  '0060-outbox-deadline': m0060,
  '0070-key-checks': m0070,
  '0080-audit-chains': m0080,
  '0120-reporter-role': m0120,
  '0130-consultation-reviews': m0130,
  '0150-registration': m0150,
  '0140-acute-and-handlers': m0140,
  '0160-statistics-deltas': m0160,
  '0161-report-reference-sequences': m0161,
  '0170-follow-up-measures': m0170,
  '0190-statistics-pattern': m0190,
};

export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };
