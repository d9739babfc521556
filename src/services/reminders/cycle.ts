import type { Actor } from '../actor';
import { ConflictError, NotAllowedError, NotFoundError } from '../errors';
import type { CycleEntry } from '../municipality';
import type { Target } from '../outbox';
import * as reminderRows from '../store/reminders';
import type { Reminder } from '../store/reminders';
import { isWorkingTime, nextWorkingTime } from './calendar';
import {
  audienceOf,
  doneBySchoolAndTerm,
  doneScope,
  figuresOf,
  isStale,
  lateInstallReach,
  lateInstallsToReach,
  mayAct,
  runOf,
} from './rules';
import { CHUNK, DAY_MS, reminderKinds, SNOOZE_DAYS, type CycleReminderView, type RemindersDeps, type UnreachablePrincipal } from './types';

const iso = (d: Date) => d.toISOString();
const lower = (s: string) => s.toLowerCase();

/**
 * The annual cycle (årshjul): a run per due time of each entry, its cards sent in working hours
 * (caught up after downtime only while relevant), "Klart" and "Påminn mig om en vecka".
 */
export function makeCycle({ config, store, clock, log, outbox, directory }: RemindersDeps) {
  const m = config.municipality;
  const db = store.db;
  const entry = (entryId: string): CycleEntry | undefined => m.annualCycle.find((e) => e.id === entryId);

  function targetOf(r: Pick<Reminder, 'recipientAad' | 'unitId'>): Target {
    if (r.unitId) return { kind: 'channel', unitId: r.unitId, channel: 'reports' };
    return { kind: 'user', aadObjectId: r.recipientAad! };
  }

  /**
   * One due run of an annual-cycle entry: a reminder row per recipient, then the cards go out. After
   * downtime this is the entry's latest missed run (jobs.ts logs the older ones), and only while it
   * is within `catchUpWithin`.
   */
  async function runEntry(e: CycleEntry, dueAt: Date): Promise<void> {
    const now = clock.now();
    if (isStale(e, { dueAt }, now)) {
      log.info(
        { event: 'reminders.cycle.stale', entry: e.id, dueAt: iso(dueAt), catchUpWithin: e.catchUpWithin },
        'missed annual-cycle run older than its catchUpWithin: logged, not sent',
      );
      return;
    }
    // A newer run of the routine replaces an older one still waiting to go out (a weekend, a snooze).
    const replaced = await reminderRows.replaceWaitingRuns(db, e.id, dueAt);
    if (replaced)
      log.info(
        { event: 'reminders.cycle.replaced', entry: e.id, dueAt: iso(dueAt), count: replaced },
        'older runs still waiting replaced by the newer one',
      );
    const recipients = audienceOf(m, e);
    const installed = await reminderRows.usersWithApp(db);
    const run = runOf(e, dueAt, recipients, installed, nextWorkingTime(dueAt > now ? dueAt : now), now);
    // One statement per chunk: a retried run inserts nothing new (unique key).
    for (let i = 0; i < run.length; i += CHUNK) await reminderRows.insertRun(db, run.slice(i, i + CHUNK));
    const unreachable = run.filter((r) => r.status === 'unreachable').map((r) => r.recipientAad!);
    log.info(
      { event: 'reminders.cycle.due', entry: e.id, dueAt: iso(dueAt), recipients: recipients.length, unreachable: unreachable.length },
      'annual-cycle reminder due',
    );
    if (unreachable.length) {
      // Ids only: the names are the admin's to see, with "vem når inte Värna?".
      log.warn(
        { event: 'reminders.unreachable', entry: e.id, dueAt: iso(dueAt), count: unreachable.length, users: unreachable.slice(0, 100) },
        'principals without the app installed: not reminded',
      );
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
      const due = await reminderRows.dueToSend(db, now, CHUNK);
      if (!due.length) break;
      let handled = 0;
      await store.transaction(async (trx) => {
        for (const r of due) {
          const e = entry(r.entryId);
          const send = !!e && !isStale(e, r, now);
          if (!(await reminderRows.claimSend(trx, r.id, r.sendAt, send))) continue;
          handled++;
          if (!send) {
            stale++;
            continue;
          }
          await outbox.enqueue(
            trx,
            { dedupeKey: `${r.key}@${iso(r.sendAt)}`, target: targetOf(r), message: { kind: reminderKinds.cycle, reminderId: r.id } },
            now,
          );
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
    const since = lateInstallReach(m.annualCycle, now);
    const unreachable = await reminderRows.unreachableSince(db, since);
    if (!unreachable.length) return;
    const installed = await reminderRows.usersWithApp(db);
    const recipients = [...new Set(unreachable.filter((r) => r.recipientAad && installed.has(r.recipientAad)).map((r) => r.recipientAad!))];
    if (!recipients.length) return;
    const runs = [];
    for (let i = 0; i < recipients.length; i += CHUNK)
      runs.push(...(await reminderRows.runsOfRecipients(db, recipients.slice(i, i + CHUNK), since)));
    const sendAt = nextWorkingTime(now);
    for (const r of lateInstallsToReach(unreachable, runs, installed, entry, now)) await reminderRows.reopenUnreachable(db, r.id, sendAt);
  }

  async function load(id: string): Promise<Reminder> {
    const r = await reminderRows.findReminder(db, id);
    if (!r) throw new NotFoundError('reminder', id);
    return r;
  }

  function nameOf(aad: string | undefined, actor?: Actor): string | undefined {
    if (!aad) return undefined;
    if (actor && lower(actor.aadObjectId) === aad) return actor.name || undefined;
    for (const s of m.schools) for (const p of s.principals) if (lower(p.aadObjectId) === aad && p.name) return p.name;
    return undefined;
  }

  function viewOf(r: Reminder, actor?: Actor): CycleReminderView | undefined {
    const e = entry(r.entryId);
    if (!e) return undefined;
    return {
      id: r.id,
      entryId: e.id,
      title: e.title,
      text: e.text,
      ...(e.link ? { link: e.link } : {}),
      dutyCards: e.material === 'dutyCards',
      ...(e.figures && !r.unitId ? { figures: figuresOf(e, r.dueAt)! } : {}),
      ...(r.schoolId ? { schoolName: directory.school(r.schoolId)?.name ?? r.schoolId } : {}),
      dueAt: r.dueAt,
      status: r.status === 'done' ? 'done' : 'open',
      ...(r.doneAt ? { doneAt: r.doneAt } : {}),
      ...(r.doneBy ? { doneByName: nameOf(r.doneBy, actor) } : {}),
      ...(r.snoozedUntil && r.status !== 'done' ? { snoozedUntil: r.snoozedUntil } : {}),
    };
  }

  const cycle = {
    runEntry,
    sendPending,
    reachLateInstalls,

    /**
     * The card for a reminder as it is sent, from the store's state now; undefined when it should not
     * be sent (gone, or its window passed while the send waited in the outbox).
     */
    async cycleCard(id: string): Promise<{ view: CycleReminderView; recipient?: string } | undefined> {
      const r = await reminderRows.findReminder(db, id);
      const e = r && entry(r.entryId);
      if (!r || !e) return undefined;
      if (r.status !== 'done' && isStale(e, r, clock.now())) {
        log.info(
          { event: 'reminders.cycle.stale', reminder: r.id, entry: r.entryId, dueAt: iso(r.dueAt) },
          'reminder past its catchUpWithin when its turn to be sent came: not sent',
        );
        return undefined;
      }
      const view = viewOf(r);
      return view ? { view, ...(r.recipientAad ? { recipient: r.recipientAad } : {}) } : undefined;
    },

    /** The intake unit of a channel reminder (any member of its team may act on it); undefined for others. */
    async intakeUnitOf(id: string) {
      const unitId = await reminderRows.unitOfReminder(db, id);
      return unitId ? directory.intakeUnit(unitId) : undefined;
    },

    /** The card as it is now, for someone who may act on it (Teams refreshes a card when it is shown). */
    async show(actor: Actor, id: string, opts: { intakeMember?: boolean } = {}): Promise<CycleReminderView> {
      const r = await load(id);
      if (!mayAct(directory, actor, r, entry(r.entryId), opts)) throw new NotAllowedError('reminder.show');
      const view = viewOf(r, actor);
      if (!view) throw new NotFoundError('reminder', id);
      return view;
    },

    /** "Klart": recorded once per school and due run (when, by whom), whoever of its principals presses. */
    async markDone(actor: Actor, id: string, opts: { intakeMember?: boolean } = {}): Promise<CycleReminderView> {
      const r = await load(id);
      const e = entry(r.entryId);
      if (!mayAct(directory, actor, r, e, opts)) throw new NotAllowedError('reminder.done');
      if (r.status !== 'done') {
        await reminderRows.markRunDone(db, r, doneScope(r, e), lower(actor.aadObjectId), clock.now());
        log.info(
          { event: 'reminders.done', reminder: r.id, entry: r.entryId, school: r.schoolId ?? null, unit: r.unitId ?? null },
          'annual-cycle reminder done',
        );
      }
      return viewOf(await load(id), actor)!;
    },

    /** "Påminn mig om en vecka": the same reminder comes back in seven days (in working hours), through the outbox. */
    async snooze(actor: Actor, id: string, opts: { intakeMember?: boolean } = {}): Promise<CycleReminderView> {
      const r = await load(id);
      if (!mayAct(directory, actor, r, entry(r.entryId), opts)) throw new NotAllowedError('reminder.snooze');
      if (r.status === 'done') throw new ConflictError('reminder.done');
      const until = nextWorkingTime(new Date(clock.now().getTime() + SNOOZE_DAYS * DAY_MS));
      await reminderRows.snoozeReminder(db, id, until);
      log.info({ event: 'reminders.snoozed', reminder: id, entry: r.entryId, until: iso(until) }, 'annual-cycle reminder snoozed');
      return viewOf(await load(id), actor)!;
    },

    /**
     * Done-records per school, entry and term, for the statistics ("staff briefed this term: 11 of
     * 14 schools"). A school counts once per entry and term however many principals it has.
     */
    async doneBySchoolAndTerm(
      filter: { entryIds?: string[] } = {},
    ): Promise<Array<{ schoolId: string; entryId: string; term: string; done: number }>> {
      return doneBySchoolAndTerm(await reminderRows.doneRunsOfSchools(db, filter.entryIds));
    },

    /** Schools that recorded any of `entryIds` as done in `term`, of the schools with principals. */
    async schoolsDone(entryIds: string[], term: string): Promise<{ done: number; of: number }> {
      const rows = await cycle.doneBySchoolAndTerm({ entryIds });
      const done = new Set(rows.filter((r) => r.term === term).map((r) => r.schoolId));
      return { done: done.size, of: m.schools.filter((s) => s.principals.length).length };
    },

    /**
     * Principals the bot cannot reach (no personal installation), for the admin command. Names come
     * from the municipality config and are shown to the admin only, never logged.
     */
    async unreachablePrincipals(actor: Actor): Promise<UnreachablePrincipal[]> {
      if (!directory.isStatistician(actor.aadObjectId)) throw new NotAllowedError('reminders.unreachable');
      const installed = await reminderRows.usersWithApp(db);
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
  };
  return cycle;
}
