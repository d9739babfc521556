import { Cron } from 'croner';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Actor } from './actor';
import type { Clock } from './clock';
import { ConflictError, NotAllowedError, NotFoundError } from './errors';
import type { Installations } from './installations';
import type { Jobs } from './jobs';
import { durationMs, type CycleEntry, type Directory } from './municipality';
import { isPublicHoliday, localParts } from './office-hours';
import { feedbackDue } from './deadlines';
import type { Outbox, Target } from './outbox';
import { MIN_CELL } from './suppression';
import { newId, type Store, type Tx } from './store';
import type { ReminderTable } from './store/schema';

/**
 * The calendar does the remembering: the municipality's annual cycle (årshjul) to principals and
 * the intake unit, and the operational nudges (a draft left unsent, the principal's weekly digest,
 * the intake unit's daily summary of what is due). Every message goes through the outbox; every
 * run is idempotent for its due time (unique reminder keys, outbox dedupe keys), so a run retried
 * or caught up after downtime never sends twice.
 *
 * After downtime each routine comes once, and only while it is still relevant: the latest missed
 * run of an entry, if it is within the entry's `catchUpWithin`; older runs are logged. No reminder
 * arrives outside working hours (07:00-18:00 Stockholm time on working days): one due then waits
 * for the next working morning.
 */
export interface RemindersDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  outbox: Outbox;
  installations: Installations;
  jobs: Jobs;
  directory: Directory;
}

export const SNOOZE_DAYS = 7;
const DAY_MS = 24 * 60 * 60_000;
const CHUNK = 200;
const LIST_LIMIT = 30;

/** Message kinds the bot renders (src/bot/routes/reminders.ts). */
export const reminderKinds = {
  cycle: 'reminder.cycle',
  draft: 'reminder.draft',
  digest: 'reminder.digest',
  intakeSummary: 'reminder.intake-summary',
} as const;

export interface Recipient {
  aadObjectId?: string;
  unitId?: string;
  schoolId?: string;
}

/** The period of Värna's figures a reminder carries (the statistics PDF): inclusive Stockholm dates. */
export type FiguresPeriod = { kind: 'year'; year: number; from: string; to: string } | { kind: 'term'; term: string; from: string; to: string };

export interface CycleReminderView {
  id: string;
  entryId: string;
  title: { sv: string; en: string };
  text: { sv: string; en: string };
  link?: string;
  dutyCards: boolean;
  /** The figures for the committees (or a principal's own school) one press away. */
  figures?: FiguresPeriod;
  schoolName?: string;
  dueAt: Date;
  status: 'open' | 'done';
  doneAt?: Date;
  /** Name from the municipality config (or the acting user's own Teams name). */
  doneByName?: string;
  snoozedUntil?: Date;
}

/**
 * A count in the digest: one school's week is small numbers, so under 5 is not given (as in the
 * statistics, `MIN_CELL`): the card cannot show what the view does not hold.
 */
export type DigestCount = { n: number } | { under: typeof MIN_CELL };

export interface DigestView {
  schoolName: string;
  from: Date;
  to: Date;
  sent: DigestCount;
  awaitingReceipt: DigestCount;
  decisionsOverdue: DigestCount;
  feedbackGiven: DigestCount;
  /** Consultations without the child's name started from the school in the week. */
  consultations: DigestCount;
  /** Only when the routine makes the principal a party (principalIsParty): reference and stage, never content. */
  references?: Array<{ reference: string; stage: ReportStage }>;
}

/**
 * Where a report is in the intake process; deliberately not the outcome (OSL 40 kap. 7 g §).
 * 'decided' only on the principal's own reports whose feedback they were given: nothing in SoL
 * (2025:400) 19 kap. 6 § or OSL 26 kap. lets the social services tell anyone else (issue 21 §12).
 */
export type ReportStage = 'awaitingReceipt' | 'received' | 'decided';

export interface IntakeSummaryView {
  unitName: string;
  day: Date;
  protection: DueList;
  decision: DueList;
  feedback: DueList;
  receiptMissing: DueList;
  /** Reports approaching their purge date that nobody marked registered in the case system (listed once). */
  unregistered: string[];
  unregisteredMore: number;
}
export interface DueList {
  overdue: string[];
  dueToday: string[];
  more: number;
}

export interface DraftNudgeView {
  draftId: string;
  startedAt: Date;
}

export interface UnreachablePrincipal {
  aadObjectId: string;
  name?: string;
  schools: string[];
}

const iso = (d: Date) => d.toISOString();

/** Local (Stockholm) start of the next day after `at`. */
export function stockholmDayEnd(at: Date): Date {
  const { date } = localParts(at);
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  // Local midnight is UTC midnight minus the offset; try both Swedish offsets.
  for (const hours of [1, 2]) {
    const candidate = new Date(next.getTime() - hours * 3_600_000);
    const p = localParts(candidate);
    if (p.minutes === 0 && p.date === next.toISOString().slice(0, 10)) return candidate;
  }
  return new Date(next.getTime() - 3_600_000);
}

/** Reminders arrive 07:00-18:00 Stockholm time, Monday to Friday, not on Swedish public holidays. */
const WORK_FROM = 7 * 60;
const WORK_UNTIL = 18 * 60;
const workingMornings = new Cron('0 7 * * mon-fri', { timezone: 'Europe/Stockholm', paused: true });

export function isWorkingTime(at: Date): boolean {
  const { weekday, minutes } = localParts(at);
  return weekday !== 'sat' && weekday !== 'sun' && minutes >= WORK_FROM && minutes < WORK_UNTIL && !isPublicHoliday(at);
}

/**
 * `at` if it is working time, else the next working morning (07:00): a reminder due at night, on a
 * weekend or on a public holiday waits for it (Good Friday to the Tuesday after Easter Monday).
 */
export function nextWorkingTime(at: Date): Date {
  if (isWorkingTime(at)) return at;
  let t = workingMornings.nextRun(at);
  // Public holidays come at most a few in a row (Christmas to Boxing Day and a weekend).
  for (let i = 0; t && i < 20 && isPublicHoliday(t); i++) t = workingMornings.nextRun(t);
  return t ?? at;
}

/** Terms as Swedish schools count them: VT January–June, HT July–December (Stockholm time). */
export function termOf(at: Date): string {
  const { date } = localParts(at);
  const month = Number(date.slice(5, 7));
  return `${date.slice(0, 4)}-${month <= 6 ? 'VT' : 'HT'}`;
}

export function makeReminders({ config, store, clock, log, outbox, installations, jobs, directory }: RemindersDeps) {
  const m = config.municipality;
  const db = store.db;
  const lower = (s: string) => s.toLowerCase();

  function entry(entryId: string): CycleEntry | undefined {
    return m.annualCycle.find((e) => e.id === entryId);
  }

  // Every reminder waits for working hours, also when its send is retried or held up (outbox), and
  // a reminder whose send was interrupted is not sent a second time: one card per routine.
  const inWorkingHours = { holdUntil: (_message: unknown, now: Date) => (isWorkingTime(now) ? undefined : nextWorkingTime(now)) };
  outbox.on(reminderKinds.cycle, { ...inWorkingHours, atMostOnce: true });
  outbox.on(reminderKinds.digest, { ...inWorkingHours, atMostOnce: true });
  outbox.on(reminderKinds.draft, inWorkingHours);
  outbox.on(reminderKinds.intakeSummary, inWorkingHours);

  /**
   * A run is relevant from the first working moment after it was meant to arrive (its due time, or
   * the end of a snooze) for the entry's `catchUpWithin`; after that it is not sent.
   */
  function isStale(e: CycleEntry, row: { due_at: string; snoozed_until: string | null }, now: Date): boolean {
    const meant = row.snoozed_until && row.snoozed_until > row.due_at ? row.snoozed_until : row.due_at;
    return now.getTime() - nextWorkingTime(new Date(meant)).getTime() > durationMs(e.catchUpWithin);
  }

  /** The calendar year or school term before the due date (Stockholm time). */
  function figuresOf(e: CycleEntry, dueAt: Date): FiguresPeriod | undefined {
    if (!e.figures) return undefined;
    const term = termOf(dueAt);
    const year = Number(term.slice(0, 4));
    if (e.figures === 'previousYear') return { kind: 'year', year: year - 1, from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
    return term.endsWith('HT')
      ? { kind: 'term', term: `${year}-VT`, from: `${year}-01-01`, to: `${year}-06-30` }
      : { kind: 'term', term: `${year - 1}-HT`, from: `${year - 1}-07-01`, to: `${year - 1}-12-31` };
  }

  /** Who an entry goes to: principals (one reminder per school they lead), the statistics role, or an intake unit. */
  function audienceOf(e: CycleEntry): Recipient[] {
    const a = e.audience;
    if (a.kind === 'intakeUnit') return [{ unitId: a.unit }];
    if (a.kind === 'statistics') return [...new Set(m.roles.statistics.map((p) => lower(p.aadObjectId)))].map((aadObjectId) => ({ aadObjectId }));
    const schools = m.schools.filter(
      (s) => a.kind === 'allPrincipals' || (a.kind === 'districtPrincipals' && s.district === a.district) || (a.kind === 'independentPrincipals' && s.type === 'independent'),
    );
    const seen = new Set<string>();
    const out: Recipient[] = [];
    for (const s of schools) {
      for (const p of s.principals) {
        const key = `${lower(p.aadObjectId)}|${s.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ aadObjectId: lower(p.aadObjectId), schoolId: s.id });
      }
    }
    return out;
  }

  async function installedUsers(): Promise<Set<string>> {
    const rows = await db.selectFrom('installations').select('aad_object_id').where('kind', '=', 'personal').execute();
    return new Set(rows.map((r) => lower(r.aad_object_id ?? '')).filter(Boolean));
  }

  function targetOf(row: Pick<ReminderTable, 'recipient_aad' | 'unit_id'>): Target {
    if (row.unit_id) return { kind: 'channel', unitId: row.unit_id, channel: 'reports' };
    return { kind: 'user', aadObjectId: row.recipient_aad! };
  }

  /**
   * One due run of an annual-cycle entry: a reminder row per recipient, then the cards go out. After
   * downtime this is the entry's latest missed run (jobs.ts logs the older ones), and only while it
   * is within `catchUpWithin`.
   */
  async function runEntry(e: CycleEntry, dueAt: Date): Promise<void> {
    const now = clock.now();
    if (isStale(e, { due_at: iso(dueAt), snoozed_until: null }, now)) {
      log.info({ event: 'reminders.cycle.stale', entry: e.id, dueAt: iso(dueAt), catchUpWithin: e.catchUpWithin }, 'missed annual-cycle run older than its catchUpWithin: logged, not sent');
      return;
    }
    // A newer run of the routine replaces an older one still waiting to go out (a weekend, a snooze).
    const replaced = await db
      .updateTable('reminders')
      .set({ send_at: null })
      .where('entry_id', '=', e.id)
      .where('status', '=', 'open')
      .where('send_at', 'is not', null)
      .where('due_at', '<', iso(dueAt))
      .executeTakeFirst();
    if (Number(replaced.numUpdatedRows)) log.info({ event: 'reminders.cycle.replaced', entry: e.id, dueAt: iso(dueAt), count: Number(replaced.numUpdatedRows) }, 'older runs still waiting replaced by the newer one');
    const recipients = audienceOf(e);
    const installed = await installedUsers();
    const sendAt = nextWorkingTime(dueAt > now ? dueAt : now);
    const unreachable: string[] = [];
    for (let i = 0; i < recipients.length; i += CHUNK) {
      // One statement per chunk: a retried run inserts nothing new (unique key).
      const rows = recipients.slice(i, i + CHUNK).map((r) => {
        const reachable = !r.aadObjectId || installed.has(r.aadObjectId);
        if (!reachable) unreachable.push(r.aadObjectId!);
        return {
          id: newId(now),
          key: `cycle:${e.id}:${iso(dueAt)}:${r.aadObjectId ?? `unit-${r.unitId}`}:${r.schoolId ?? ''}`,
          entry_id: e.id,
          due_at: iso(dueAt),
          recipient_aad: r.aadObjectId ?? null,
          unit_id: r.unitId ?? null,
          school_id: r.schoolId ?? null,
          status: reachable ? ('open' as const) : ('unreachable' as const),
          send_at: reachable ? iso(sendAt) : null,
          sent_count: 0,
          done_at: null,
          done_by: null,
          snoozed_until: null,
          created_at: iso(now),
        };
      });
      await db.insertInto('reminders').values(rows).onConflict((oc) => oc.column('key').doNothing()).execute();
    }
    log.info({ event: 'reminders.cycle.due', entry: e.id, dueAt: iso(dueAt), recipients: recipients.length, unreachable: unreachable.length }, 'annual-cycle reminder due');
    if (unreachable.length) {
      // Ids only: the names are the admin's to see, with "vem når inte Värna?".
      log.warn({ event: 'reminders.unreachable', entry: e.id, dueAt: iso(dueAt), count: unreachable.length, users: unreachable.slice(0, 100) }, 'principals without the app installed: not reminded');
    }
    await sendPending(now);
  }

  /**
   * Enqueues every reminder whose send time has come (first send, after a weekend, after a snooze),
   * in working hours only; one that is no longer relevant (its window passed while Värna was down)
   * is logged and dropped instead.
   */
  async function sendPending(now: Date): Promise<number> {
    if (!isWorkingTime(now)) return 0;
    let total = 0;
    let stale = 0;
    for (;;) {
      const rows = await db
        .selectFrom('reminders')
        .select(['id', 'key', 'entry_id', 'due_at', 'snoozed_until', 'recipient_aad', 'unit_id', 'send_at'])
        .where('status', '=', 'open')
        .where('send_at', 'is not', null)
        .where('send_at', '<=', iso(now))
        .orderBy('send_at')
        .limit(CHUNK)
        .execute();
      if (!rows.length) break;
      let handled = 0;
      await store.transaction(async (trx) => {
        for (const row of rows) {
          const e = entry(row.entry_id);
          const send = !!e && !isStale(e, row, now);
          const res = await trx
            .updateTable('reminders')
            .set((eb) => ({ send_at: null, sent_count: send ? eb('sent_count', '+', 1) : eb.ref('sent_count') }))
            .where('id', '=', row.id)
            .where('send_at', '=', row.send_at)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1) continue;
          handled++;
          if (!send) {
            stale++;
            continue;
          }
          await outbox.enqueue(trx, { dedupeKey: `${row.key}@${row.send_at}`, target: targetOf(row), message: { kind: reminderKinds.cycle, reminderId: row.id } }, now);
          total++;
        }
      });
      if (handled === 0) break;
    }
    if (stale) log.info({ event: 'reminders.cycle.stale', count: stale }, 'reminders past their catchUpWithin: logged, not sent');
    if (total) outbox.wake();
    return total;
  }

  /**
   * A principal who installs the app after a reminder was due gets it then, while it is still
   * relevant (the entry's `catchUpWithin`), and only the latest run of each routine.
   */
  async function reachLateInstalls(now: Date): Promise<void> {
    if (!m.annualCycle.length) return;
    // The oldest due time any window can still reach (a window counts from the next working morning).
    const reach = Math.max(...m.annualCycle.map((e) => durationMs(e.catchUpWithin))) + 7 * DAY_MS;
    const since = iso(new Date(now.getTime() - reach));
    const rows = await db
      .selectFrom('reminders')
      .select(['id', 'entry_id', 'due_at', 'snoozed_until', 'recipient_aad', 'school_id'])
      .where('status', '=', 'unreachable')
      .where('due_at', '>=', since)
      .execute();
    if (!rows.length) return;
    const installed = await installedUsers();
    const candidates = rows.filter((r) => {
      const e = entry(r.entry_id);
      return !!e && !!r.recipient_aad && installed.has(r.recipient_aad) && !isStale(e, r, now);
    });
    if (!candidates.length) return;
    // The latest run of each routine per recipient and school, whatever became of it.
    const keyOf = (r: { entry_id: string; recipient_aad: string | null; school_id: string | null }) => `${r.entry_id}|${r.recipient_aad}|${r.school_id ?? ''}`;
    const latest = new Map<string, string>();
    const recipients = [...new Set(candidates.map((r) => r.recipient_aad!))];
    for (let i = 0; i < recipients.length; i += CHUNK) {
      const all = await db.selectFrom('reminders').select(['entry_id', 'recipient_aad', 'school_id', 'due_at']).where('recipient_aad', 'in', recipients.slice(i, i + CHUNK)).where('due_at', '>=', since).execute();
      for (const r of all) if ((latest.get(keyOf(r)) ?? '') < r.due_at) latest.set(keyOf(r), r.due_at);
    }
    const sendAt = iso(nextWorkingTime(now));
    for (const row of candidates) {
      if (latest.get(keyOf(row)) !== row.due_at) continue;
      await db.updateTable('reminders').set({ status: 'open', send_at: sendAt }).where('id', '=', row.id).where('status', '=', 'unreachable').execute();
    }
  }

  async function load(id: string): Promise<ReminderTable> {
    const row = await db.selectFrom('reminders').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('reminder', id);
    return row;
  }

  /** A reminder to the statistics role is the municipality's: one of them is enough. */
  const forStatistics = (row: Pick<ReminderTable, 'entry_id' | 'school_id' | 'unit_id'>) => !row.school_id && !row.unit_id && entry(row.entry_id)?.audience.kind === 'statistics';

  /** The recipient, another principal of the same school, another in the statistics role, or (channel reminders) an intake member. */
  function mayAct(actor: Actor, row: ReminderTable, opts: { intakeMember?: boolean }): boolean {
    if (row.unit_id) return opts.intakeMember === true;
    const me = lower(actor.aadObjectId);
    if (row.recipient_aad === me) return true;
    if (forStatistics(row)) return directory.isStatistician(me);
    return !!row.school_id && directory.schoolsOfPrincipal(me).some((s) => s.id === row.school_id);
  }

  function nameOf(aad: string | null, actor?: Actor): string | undefined {
    if (!aad) return undefined;
    if (actor && lower(actor.aadObjectId) === aad) return actor.name || undefined;
    for (const s of m.schools) for (const p of s.principals) if (lower(p.aadObjectId) === aad && p.name) return p.name;
    return undefined;
  }

  function viewOf(row: ReminderTable, actor?: Actor): CycleReminderView | undefined {
    const e = entry(row.entry_id);
    if (!e) return undefined;
    return {
      id: row.id,
      entryId: e.id,
      title: e.title,
      text: e.text,
      ...(e.link ? { link: e.link } : {}),
      dutyCards: e.material === 'dutyCards',
      ...(e.figures && !row.unit_id ? { figures: figuresOf(e, new Date(row.due_at))! } : {}),
      ...(row.school_id ? { schoolName: directory.school(row.school_id)?.name ?? row.school_id } : {}),
      dueAt: new Date(row.due_at),
      status: row.status === 'done' ? 'done' : 'open',
      ...(row.done_at ? { doneAt: new Date(row.done_at) } : {}),
      ...(row.done_by ? { doneByName: nameOf(row.done_by, actor) } : {}),
      ...(row.snoozed_until && row.status !== 'done' ? { snoozedUntil: new Date(row.snoozed_until) } : {}),
    };
  }

  const reportsOf = (schoolId: string) => db.selectFrom('reports').where('school_id', '=', schoolId).where('purged_at', 'is', null);

  async function countWhere(q: ReturnType<typeof reportsOf>): Promise<number> {
    const row = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The statistics' rule (suppression.ts): a count under 5, zero included, is shown as "<5". */
  const protect = (n: number): DigestCount => (n < MIN_CELL ? { under: MIN_CELL } : { n });

  return {
    reminderKinds,

    /** Registers the jobs: one per annual-cycle entry, the digest, the intake summary, the nudges. */
    schedule(): void {
      // After downtime only each entry's latest missed run (and only within its window).
      for (const e of m.annualCycle) jobs.cron(`cycle:${e.id}`, e.schedule, (dueAt) => runEntry(e, dueAt), { missed: 'latest' });
      jobs.every('reminders.pending', 5 * 60_000, async () => {
        const now = clock.now();
        await reachLateInstalls(now);
        await sendPending(now);
      });
      jobs.every('reminders.drafts', 5 * 60_000, async () => void (await this.nudgeDrafts()));
      jobs.cron('reminders.digest', m.reminders.principalDigest, (dueAt) => this.enqueueDigests(dueAt), { missed: 'latest' });
      jobs.cron('reminders.intake-summary', m.reminders.intakeSummary, (dueAt) => this.enqueueIntakeSummaries(dueAt), { missed: 'latest' });
    },

    /**
     * The card for a reminder as it is sent, from the store's state now; undefined when it should not
     * be sent (gone, or its window passed while the send waited in the outbox).
     */
    async cycleCard(id: string): Promise<{ view: CycleReminderView; recipient?: string } | undefined> {
      const row = await db.selectFrom('reminders').selectAll().where('id', '=', id).executeTakeFirst();
      const e = row && entry(row.entry_id);
      if (!row || !e) return undefined;
      if (row.status !== 'done' && isStale(e, row, clock.now())) {
        log.info({ event: 'reminders.cycle.stale', reminder: row.id, entry: row.entry_id, dueAt: row.due_at }, 'reminder past its catchUpWithin when its turn to be sent came: not sent');
        return undefined;
      }
      const view = viewOf(row);
      return view ? { view, ...(row.recipient_aad ? { recipient: row.recipient_aad } : {}) } : undefined;
    },

    /** The card as it is now, for someone who may act on it (Teams refreshes a card when it is shown). */
    async show(actor: Actor, id: string, opts: { intakeMember?: boolean } = {}): Promise<CycleReminderView> {
      const row = await load(id);
      if (!mayAct(actor, row, opts)) throw new NotAllowedError('reminder.show');
      const view = viewOf(row, actor);
      if (!view) throw new NotFoundError('reminder', id);
      return view;
    },

    /** "Klart": recorded once per school and due run (when, by whom), whoever of its principals presses. */
    async markDone(actor: Actor, id: string, opts: { intakeMember?: boolean } = {}): Promise<CycleReminderView> {
      const row = await load(id);
      if (!mayAct(actor, row, opts)) throw new NotAllowedError('reminder.done');
      const now = iso(clock.now());
      const me = lower(actor.aadObjectId);
      if (row.status !== 'done') {
        let q = db
          .updateTable('reminders')
          .set({ status: 'done', done_at: now, done_by: me, send_at: null, snoozed_until: null })
          .where('entry_id', '=', row.entry_id)
          .where('due_at', '=', row.due_at)
          .where('status', '!=', 'done');
        if (row.school_id) q = q.where('school_id', '=', row.school_id);
        else if (forStatistics(row)) q = q.where('school_id', 'is', null).where('unit_id', 'is', null);
        else q = q.where('id', '=', row.id);
        await q.execute();
        log.info({ event: 'reminders.done', reminder: row.id, entry: row.entry_id, school: row.school_id, unit: row.unit_id }, 'annual-cycle reminder done');
      }
      return viewOf(await load(id), actor)!;
    },

    /** "Påminn mig om en vecka": the same reminder comes back in seven days (in working hours), through the outbox. */
    async snooze(actor: Actor, id: string, opts: { intakeMember?: boolean } = {}): Promise<CycleReminderView> {
      const row = await load(id);
      if (!mayAct(actor, row, opts)) throw new NotAllowedError('reminder.snooze');
      if (row.status === 'done') throw new ConflictError('reminder.done');
      const until = iso(nextWorkingTime(new Date(clock.now().getTime() + SNOOZE_DAYS * DAY_MS)));
      await db.updateTable('reminders').set({ status: 'open', snoozed_until: until, send_at: until }).where('id', '=', id).where('status', '!=', 'done').execute();
      log.info({ event: 'reminders.snoozed', reminder: id, entry: row.entry_id, until }, 'annual-cycle reminder snoozed');
      return viewOf(await load(id), actor)!;
    },

    /** Runs due reminders' sends now (the jobs call it; exposed for tests and admin tools). */
    sendPending: () => sendPending(clock.now()),

    /**
     * Done-records per school, entry and term, for the statistics ("staff briefed this term: 11 of
     * 14 schools"). A school counts once per entry and term however many principals it has.
     */
    async doneBySchoolAndTerm(filter: { entryIds?: string[] } = {}): Promise<Array<{ schoolId: string; entryId: string; term: string; done: number }>> {
      let q = db.selectFrom('reminders').select(['school_id', 'entry_id', 'due_at']).where('status', '=', 'done').where('school_id', 'is not', null);
      if (filter.entryIds?.length) q = q.where('entry_id', 'in', filter.entryIds);
      const rows = await q.execute();
      const seen = new Map<string, { schoolId: string; entryId: string; term: string; runs: Set<string> }>();
      for (const r of rows) {
        const term = termOf(new Date(r.due_at));
        const key = `${r.school_id}|${r.entry_id}|${term}`;
        const hit = seen.get(key) ?? { schoolId: r.school_id!, entryId: r.entry_id, term, runs: new Set<string>() };
        hit.runs.add(r.due_at);
        seen.set(key, hit);
      }
      return [...seen.values()].map(({ runs, ...rest }) => ({ ...rest, done: runs.size })).sort((a, b) => `${a.term}${a.schoolId}${a.entryId}`.localeCompare(`${b.term}${b.schoolId}${b.entryId}`));
    },

    /** Schools that recorded any of `entryIds` as done in `term`, of the schools with principals. */
    async schoolsDone(entryIds: string[], term: string): Promise<{ done: number; of: number }> {
      const rows = await this.doneBySchoolAndTerm({ entryIds });
      const done = new Set(rows.filter((r) => r.term === term).map((r) => r.schoolId));
      return { done: done.size, of: m.schools.filter((s) => s.principals.length).length };
    },

    /**
     * Principals the bot cannot reach (no personal installation), for the admin command. Names come
     * from the municipality config and are shown to the admin only, never logged.
     */
    async unreachablePrincipals(actor: Actor): Promise<UnreachablePrincipal[]> {
      if (!directory.isStatistician(actor.aadObjectId)) throw new NotAllowedError('reminders.unreachable');
      const installed = await installedUsers();
      const byUser = new Map<string, UnreachablePrincipal>();
      for (const s of m.schools) {
        for (const p of s.principals) {
          const aad = lower(p.aadObjectId);
          if (installed.has(aad)) continue;
          const hit = byUser.get(aad) ?? { aadObjectId: aad, ...(p.name ? { name: p.name } : {}), schools: [] };
          hit.schools.push(s.name);
          byUser.set(aad, hit);
        }
      }
      const out = [...byUser.values()];
      log.info({ event: 'reminders.unreachable.listed', count: out.length }, 'unreachable principals listed for an admin');
      return out;
    },

    /**
     * Staff: a draft untouched for the configured time gets one nudge; the duty is to report at once.
     * Once per time it is left: the report flow clears nudged_at when the draft is saved again.
     */
    async nudgeDrafts(): Promise<number> {
      const now = clock.now();
      const cutoff = iso(new Date(now.getTime() - m.reminders.draftNudgeMinutes * 60_000));
      const rows = await db.selectFrom('drafts').select(['id', 'owner_aad', 'updated_at']).where('nudged_at', 'is', null).where('updated_at', '<=', cutoff).limit(500).execute();
      if (!rows.length) return 0;
      const installed = await installedUsers();
      let n = 0;
      await store.transaction(async (trx) => {
        for (const d of rows) {
          const res = await trx.updateTable('drafts').set({ nudged_at: iso(now) }).where('id', '=', d.id).where('nudged_at', 'is', null).where('updated_at', '=', d.updated_at).executeTakeFirst();
          if (Number(res.numUpdatedRows) !== 1 || !installed.has(lower(d.owner_aad))) continue;
          await outbox.enqueue(trx, { dedupeKey: `draft-nudge:${d.id}:${d.updated_at}`, target: { kind: 'user', aadObjectId: lower(d.owner_aad) }, message: { kind: reminderKinds.draft, draftId: d.id } }, now);
          n++;
        }
      });
      if (n) {
        log.info({ event: 'reminders.draft-nudged', count: n }, 'draft nudges enqueued');
        outbox.wake();
      }
      return n;
    },

    /** The nudge card's facts, or undefined once the draft is gone (sent or purged): then nothing is sent. */
    async draftNudge(draftId: string): Promise<DraftNudgeView | undefined> {
      const d = await db.selectFrom('drafts').select(['id', 'created_at']).where('id', '=', draftId).executeTakeFirst();
      return d ? { draftId: d.id, startedAt: new Date(d.created_at) } : undefined;
    },

    /** Weekly: one digest per principal and school, counts only unless the principal is a party. */
    async enqueueDigests(dueAt: Date): Promise<void> {
      const now = clock.now();
      // Caught up after downtime: last week's figures have no use, the next digest comes soon.
      if (now.getTime() - dueAt.getTime() > DAY_MS) return void log.info({ event: 'reminders.digest.stale', dueAt: iso(dueAt) }, 'stale digest skipped');
      const installed = await installedUsers();
      const pairs = m.schools.flatMap((s) => s.principals.map((p) => ({ schoolId: s.id, aad: lower(p.aadObjectId) })));
      const unreachable = pairs.filter((p) => !installed.has(p.aad)).map((p) => p.aad);
      const reachable = pairs.filter((p) => installed.has(p.aad));
      for (let i = 0; i < reachable.length; i += CHUNK) {
        await store.transaction(async (trx: Tx) => {
          for (const p of reachable.slice(i, i + CHUNK)) {
            await outbox.enqueue(trx, { dedupeKey: `digest:${iso(dueAt)}:${p.aad}:${p.schoolId}`, target: { kind: 'user', aadObjectId: p.aad }, message: { kind: reminderKinds.digest, schoolId: p.schoolId, to: iso(dueAt) } }, now);
          }
        });
      }
      if (unreachable.length) log.warn({ event: 'reminders.unreachable', entry: 'digest', dueAt: iso(dueAt), count: unreachable.length, users: [...new Set(unreachable)].slice(0, 100) }, 'principals without the app installed: no digest');
      outbox.wake();
    },

    /**
     * The digest's figures for one school and the week before `to`, from the store now, for the
     * principal it goes to (`principal`: their own reports may show more, see ReportStage).
     */
    async digest(schoolId: string, to: Date, principal?: string): Promise<DigestView | undefined> {
      const school = directory.school(schoolId);
      if (!school) return undefined;
      const from = new Date(to.getTime() - 7 * DAY_MS);
      const base = reportsOf(schoolId);
      const view: DigestView = {
        schoolName: school.name,
        from,
        to,
        sent: protect(await countWhere(base.where('received_at', '>=', iso(from)).where('received_at', '<', iso(to)))),
        awaitingReceipt: protect(await countWhere(base.where('receipt_at', 'is', null))),
        decisionsOverdue: protect(await countWhere(base.where('decision_at', 'is', null).where('decision_due_at', '<', iso(to)))),
        feedbackGiven: protect(await countWhere(base.where('feedback_given_at', '>=', iso(from)).where('feedback_given_at', '<', iso(to)))),
        consultations: protect(Number(
          (
            await db
              .selectFrom('consultations')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('school_id', '=', schoolId)
              .where('created_at', '>=', iso(from))
              .where('created_at', '<', iso(to))
              .executeTakeFirst()
          )?.n ?? 0,
        )),
      };
      if (m.principalIsParty) {
        // The routine makes the principal a party: reference and stage, never content or outcome.
        // The stage stops at "received": that a decision is made reaches the reporter as feedback
        // (SoL 19 kap. 6 §, asked for and not inappropriate), and no one else; a principal who made
        // the report sees "decided" once they were given that feedback. Which reports are listed
        // (the week's, and those still awaiting receipt) does not depend on the decision either: a
        // reference that dropped off the list when it was decided would tell the same thing.
        const me = principal ? lower(principal) : undefined;
        const rows = await base
          .select(['reference', 'receipt_at', 'reporter_aad', 'feedback_given_at'])
          .where((eb) => eb.or([eb('received_at', '>=', iso(from)), eb('receipt_at', 'is', null)]))
          .orderBy('received_at', 'desc')
          .limit(LIST_LIMIT)
          .execute();
        view.references = rows.map((r) => ({
          reference: r.reference,
          stage: !r.receipt_at ? 'awaitingReceipt' : me && lower(r.reporter_aad) === me && r.feedback_given_at ? 'decided' : 'received',
        }));
      }
      return view;
    },

    /** Daily, on working days: what is due today and overdue, in each intake unit's channel. */
    async enqueueIntakeSummaries(dueAt: Date): Promise<void> {
      if (isPublicHoliday(dueAt)) return;
      const now = clock.now();
      // "Att göra i dag" is for the day it names, in working hours; the next day has its own.
      if (now.getTime() - dueAt.getTime() > DAY_MS / 2 || !isWorkingTime(now) || localParts(now).date !== localParts(dueAt).date)
        return void log.info({ event: 'reminders.intake-summary.stale', dueAt: iso(dueAt) }, 'stale summary skipped');
      for (const unit of m.intakeUnits) {
        const view = await this.intakeSummary(unit.id, dueAt);
        // Reports alerted as approaching their purge date unregistered (retention.ts) are listed in
        // one summary only: this one claims them.
        const unlisted = db.selectFrom('reports').where('intake_unit_id', '=', unit.id).where('purged_at', 'is', null).where('registered_at', 'is', null).where('purge_warned_at', 'is not', null).where('purge_listed_at', 'is', null);
        const toList = (await unlisted.select('id').execute()).length;
        const empty = view && !toList && !view.unregistered.length && [view.protection, view.decision, view.feedback, view.receiptMissing].every((l) => !l.overdue.length && !l.dueToday.length);
        if (!view || empty) continue;
        await store.transaction(async (trx) => {
          if (toList)
            await trx.updateTable('reports').set({ purge_listed_at: iso(dueAt) }).where('intake_unit_id', '=', unit.id).where('purged_at', 'is', null).where('registered_at', 'is', null).where('purge_warned_at', 'is not', null).where('purge_listed_at', 'is', null).execute();
          await outbox.enqueue(trx, { dedupeKey: `intake-summary:${unit.id}:${iso(dueAt)}`, target: { kind: 'channel', unitId: unit.id, channel: 'reports' }, message: { kind: reminderKinds.intakeSummary, unitId: unit.id, at: iso(dueAt) } }, now);
        });
      }
      outbox.wake();
    },

    /**
     * SoL (2025:400) 20 kap. 1 §: protection assessment at once; 20 kap. 2 §: decide within 14 days
     * whether to investigate; 19 kap. 6 §: feedback within a week of the decision when requested.
     */
    async intakeSummary(unitId: string, at: Date): Promise<IntakeSummaryView | undefined> {
      const unit = directory.intakeUnit(unitId);
      // A summary held up until another day is not sent: that day has its own.
      if (!unit || localParts(clock.now()).date !== localParts(at).date) return undefined;
      const end = iso(stockholmDayEnd(at));
      const open = () => db.selectFrom('reports').select(['reference']).where('intake_unit_id', '=', unitId).where('purged_at', 'is', null);
      const split = (rows: Array<{ reference: string; due: string }>): DueList => {
        const sorted = [...rows].sort((a, b) => a.due.localeCompare(b.due));
        const overdue = sorted.filter((r) => r.due < iso(at)).map((r) => r.reference);
        const dueToday = sorted.filter((r) => r.due >= iso(at)).map((r) => r.reference);
        const more = Math.max(0, overdue.length + dueToday.length - LIST_LIMIT);
        const keepOverdue = overdue.slice(0, LIST_LIMIT);
        return { overdue: keepOverdue, dueToday: dueToday.slice(0, Math.max(0, LIST_LIMIT - keepOverdue.length)), more };
      };
      const protection = await open().select('protection_due_at as due').where('protection_at', 'is', null).where('protection_due_at', '<', end).execute();
      const decision = await open().select('decision_due_at as due').where('decision_at', 'is', null).where('decision_due_at', '<', end).execute();
      // The feedback week runs from the decision date intake entered (19 kap. 6 §), as on the card,
      // not from when the decision was recorded; at once when the investigation was already ongoing.
      const feedbackRows = await open()
        .select(['decision_date', 'decision_at', 'decision'])
        .where('feedback_requested', '=', 1)
        .where('decision_at', 'is not', null)
        .where('feedback_given_at', 'is', null)
        .where('feedback_inappropriate_at', 'is', null)
        .execute();
      const feedback = feedbackRows
        .map((r) => ({ reference: r.reference, due: iso(feedbackDue({ date: r.decision_date ?? localParts(new Date(r.decision_at!)).date, outcome: r.decision ?? '' })) }))
        .filter((r) => r.due <= end);
      const receipt = await open().select('received_at as due').where('receipt_at', 'is', null).where('received_at', '<', iso(at)).execute();
      return {
        unitName: unit.name,
        day: at,
        protection: split(protection.map((r) => ({ reference: r.reference, due: r.due }))),
        decision: split(decision.map((r) => ({ reference: r.reference, due: r.due }))),
        feedback: split(feedback),
        receiptMissing: { overdue: receipt.slice(0, LIST_LIMIT).map((r) => r.reference), dueToday: [], more: Math.max(0, receipt.length - LIST_LIMIT) },
        ...(await (async () => {
          const rows = await open().where('registered_at', 'is', null).where('purge_listed_at', '=', iso(at)).orderBy('reference').execute();
          return { unregistered: rows.slice(0, LIST_LIMIT).map((r) => r.reference), unregisteredMore: Math.max(0, rows.length - LIST_LIMIT) };
        })()),
      };
    },
  };
}
export type Reminders = ReturnType<typeof makeReminders>;
