import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Report references on PostgreSQL from a sequence per year (issue 20 §3). Until now every submit
 * incremented the year's row in `counters` ('report:2026'), and that row stayed locked until the
 * submit committed: on PostgreSQL submits went one commit at a time. A sequence hands out numbers
 * without a lock held to the commit; the price is that a number taken by a submit that then fails
 * (or a crash before its commit) is never used: references stay unique and rise within the year,
 * but may have gaps (docs/admin-guide.md, "References").
 *
 * - `varna_report_number(year)`: the next number of the year, from the sequence
 *   `report_reference_<year>`, which it creates at the year's first report, starting after the
 *   year's counter row if there is one. Two first reports of a year at once: the second waits for
 *   the first's creation and uses it.
 * - The sequences of the years already counted, each starting after its counter.
 * - A trigger on `counters`: an instance of the previous version, still serving while this one is
 *   deployed (docs/deployment.md, "Upgrade Värna"), takes its numbers from the same sequence,
 *   so the two versions never hand out one reference twice.
 * SQLite (one writer at a time) keeps the counter row; nothing changes there.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create function varna_report_number(year text) returns bigint language plpgsql as $fn$
    declare
      seq text := 'report_reference_' || year;
      start bigint;
    begin
      if year !~ '^[0-9]{4}$' then
        raise exception 'not a year: %', year;
      end if;
      if to_regclass(seq) is null then
        select coalesce(max(value), 0) + 1 into start from counters where name = 'report:' || year;
        begin
          execute format('create sequence if not exists %I start with %s', seq, start);
        exception when unique_violation or duplicate_table then
          null; -- created by a concurrent first report of the year, which has committed
        end;
      end if;
      return nextval(seq);
    end
    $fn$`.execute(db);
  const counted = await sql<{ name: string; value: number }>`select name, value from counters where name ~ '^report:[0-9]{4}$'`.execute(db);
  for (const c of counted.rows) {
    const year = c.name.slice('report:'.length);
    await sql`${sql.raw(`create sequence report_reference_${year} start with ${Number(c.value) + 1}`)}`.execute(db);
  }
  await sql`
    create function varna_counters_report_number() returns trigger language plpgsql as $fn$
    begin
      if new.name ~ '^report:[0-9]{4}$' then
        new.value := varna_report_number(substr(new.name, 8));
      end if;
      return new;
    end
    $fn$`.execute(db);
  await sql`create trigger counters_report_number before insert or update on counters for each row execute function varna_counters_report_number()`.execute(
    db,
  );
}
