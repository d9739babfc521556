/**
 * Statistics from the command line, for scheduled exports:
 *   npm run report -- --from 2026-01-01 --to 2026-12-31 --by school --format csv
 * --by school|district|schoolType|category (default school); --format csv|xlsx|json (default csv);
 * --out FILE (default: standard output; xlsx needs --out). At most 12 whole months, as on the card
 * (MAX_PERIOD_MONTHS). Uses VARNA_CONFIG and VARNA_STORE_URL.
 * The same suppressed figures as the card: a count under 5 is "<5", never the number. On SQLite
 * the bot holds the store's lock: run against a copy, or on PostgreSQL.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { systemClock } from '../src/services/clock';
import { makeInstallations } from '../src/services/installations';
import { makeJobs } from '../src/services/jobs';
import { directory } from '../src/services/municipality';
import { makeOutbox } from '../src/services/outbox';
import { makeReminders } from '../src/services/reminders';
import { ValidationError } from '../src/services/errors';
import { MAX_PERIOD_MONTHS, groupBys, makeStatistics, type GroupBy } from '../src/services/statistics';
import { statisticsCsv, statisticsXlsx } from '../src/services/statistics-export';
import { openStore } from '../src/services/store';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      by: { type: 'string', default: 'school' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
    },
  });
  if (!values.from || !values.to || !groupBys.includes(values.by as GroupBy) || !['csv', 'xlsx', 'json'].includes(values.format!)) {
    console.error(
      'usage: npm run report -- --from YYYY-MM-DD --to YYYY-MM-DD [--by school|district|schoolType|category] [--format csv|xlsx|json] [--out FILE]',
    );
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(process.env);
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr as never);
  const store = await openStore(config.env.VARNA_STORE_URL);
  try {
    const clock = systemClock;
    const dir = directory(config.municipality);
    const reminders = makeReminders({
      config,
      store,
      clock,
      log,
      outbox: makeOutbox({ store, clock, log }),
      installations: makeInstallations({ store, clock, log }),
      jobs: makeJobs({ store, clock, log }),
      directory: dir,
    });
    const stats = await makeStatistics({ store, clock, log, directory: dir, reminders }).forOperator({
      period: { kind: 'custom', from: values.from, to: values.to },
      groupBy: values.by as GroupBy,
    });
    const output =
      values.format === 'csv'
        ? statisticsCsv(stats)
        : values.format === 'json'
          ? `${JSON.stringify(stats, null, 2)}\n`
          : await statisticsXlsx(stats);
    if (values.out) writeFileSync(values.out, output);
    else if (typeof output === 'string') process.stdout.write(output);
    else {
      console.error('xlsx needs --out FILE');
      process.exitCode = 2;
    }
  } finally {
    await store.close();
  }
}
void main().catch((error: unknown) => {
  console.error(
    error instanceof ValidationError && error.fields.period === 'tooLong'
      ? `a period spans at most ${MAX_PERIOD_MONTHS} whole months (a school year fits): ask for each year or term`
      : String(error),
  );
  process.exitCode = 1;
});
