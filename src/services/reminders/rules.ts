import type { Actor } from '../actor';
import { feedbackDue } from '../deadlines';
import { durationMs, type CycleEntry, type Directory, type Municipality } from '../municipality';
import { localParts } from '../office-hours';
import { newId } from '../store';
import type { Reminder } from '../store/reminders';
import { MIN_CELL } from '../suppression';
import { nextWorkingTime, termOf } from './calendar';
import { LIST_LIMIT, type DigestCount, type DueList, type FiguresPeriod, type Recipient, type ReportStage } from './types';

/**
 * The reminders' rules as pure functions: who a routine goes to, which runs are still worth sending
 * (catch-up after downtime), who may tick one off, and how the summaries are cut. The use cases
 * (cycle.ts, digest.ts, ...) read the store, apply these, and write what they return.
 */

const lower = (s: string) => s.toLowerCase();

/**
 * A run is relevant from the first working moment after it was meant to arrive (its due time, or
 * the end of a snooze) for the entry's `catchUpWithin`; after that it is not sent.
 */
export function isStale(e: Pick<CycleEntry, 'catchUpWithin'>, r: Pick<Reminder, 'dueAt' | 'snoozedUntil'>, now: Date): boolean {
  const meant = r.snoozedUntil && r.snoozedUntil > r.dueAt ? r.snoozedUntil : r.dueAt;
  return now.getTime() - nextWorkingTime(meant).getTime() > durationMs(e.catchUpWithin);
}

/** The calendar year or school term before the due date (Stockholm time). */
export function figuresOf(e: CycleEntry, dueAt: Date): FiguresPeriod | undefined {
  if (!e.figures) return undefined;
  const term = termOf(dueAt);
  const year = Number(term.slice(0, 4));
  if (e.figures === 'previousYear') return { kind: 'year', year: year - 1, from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
  return term.endsWith('HT')
    ? { kind: 'term', term: `${year}-VT`, from: `${year}-01-01`, to: `${year}-06-30` }
    : { kind: 'term', term: `${year - 1}-HT`, from: `${year - 1}-07-01`, to: `${year - 1}-12-31` };
}

/** Who an entry goes to: principals (one reminder per school they lead), the statistics role, or an intake unit. */
export function audienceOf(m: Municipality, e: CycleEntry): Recipient[] {
  const a = e.audience;
  if (a.kind === 'intakeUnit') return [{ unitId: a.unit }];
  if (a.kind === 'statistics')
    return [...new Set(m.roles.statistics.map((p) => lower(p.aadObjectId)))].map((aadObjectId) => ({ aadObjectId }));
  const schools = m.schools.filter(
    (s) =>
      a.kind === 'allPrincipals' ||
      (a.kind === 'districtPrincipals' && s.district === a.district) ||
      (a.kind === 'independentPrincipals' && s.type === 'independent'),
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

/**
 * One due run of an entry: a reminder per recipient, to be sent at `sendAt`; a recipient without the
 * app installed gets an unreachable one (sent if they install it in time, see `lateInstallsToReach`).
 */
export function runOf(
  e: Pick<CycleEntry, 'id'>,
  dueAt: Date,
  recipients: Recipient[],
  installed: ReadonlySet<string>,
  sendAt: Date,
  now: Date,
): Reminder[] {
  return recipients.map((r) => {
    const reachable = !r.aadObjectId || installed.has(r.aadObjectId);
    return {
      id: newId(now),
      key: `cycle:${e.id}:${dueAt.toISOString()}:${r.aadObjectId ?? `unit-${r.unitId}`}:${r.schoolId ?? ''}`,
      entryId: e.id,
      dueAt,
      ...(r.aadObjectId ? { recipientAad: r.aadObjectId } : {}),
      ...(r.unitId ? { unitId: r.unitId } : {}),
      ...(r.schoolId ? { schoolId: r.schoolId } : {}),
      status: reachable ? 'open' : 'unreachable',
      ...(reachable ? { sendAt } : {}),
      sentCount: 0,
      createdAt: now,
    };
  });
}

/** The oldest due time a late install can still reach: the longest window, counted from the next working morning. */
export function lateInstallReach(entries: Array<Pick<CycleEntry, 'catchUpWithin'>>, now: Date): Date {
  return new Date(now.getTime() - (Math.max(...entries.map((e) => durationMs(e.catchUpWithin))) + 7 * 24 * 60 * 60_000));
}

const runKey = (r: Pick<Reminder, 'entryId' | 'recipientAad' | 'schoolId'>) => `${r.entryId}|${r.recipientAad ?? null}|${r.schoolId ?? ''}`;

/**
 * Catch-up for a principal who installs the app after a reminder was due: of the unreachable
 * reminders, those whose recipient has the app now, whose entry is still configured and within
 * its `catchUpWithin`, and that are the latest run of that routine to that recipient and school
 * (`runs`: every run to them, whatever became of it).
 */
export function lateInstallsToReach(
  unreachable: Reminder[],
  runs: Array<Pick<Reminder, 'entryId' | 'recipientAad' | 'schoolId' | 'dueAt'>>,
  installed: ReadonlySet<string>,
  entryOf: (id: string) => CycleEntry | undefined,
  now: Date,
): Reminder[] {
  const latest = new Map<string, number>();
  for (const r of runs) if ((latest.get(runKey(r)) ?? -Infinity) < r.dueAt.getTime()) latest.set(runKey(r), r.dueAt.getTime());
  return unreachable.filter((r) => {
    const e = entryOf(r.entryId);
    return !!e && !!r.recipientAad && installed.has(r.recipientAad) && !isStale(e, r, now) && latest.get(runKey(r)) === r.dueAt.getTime();
  });
}

/** A reminder to the statistics role is the municipality's: one of them is enough. */
export function isForStatistics(r: Pick<Reminder, 'schoolId' | 'unitId'>, e: CycleEntry | undefined): boolean {
  return !r.schoolId && !r.unitId && e?.audience.kind === 'statistics';
}

/** The recipient, another principal of the same school, another in the statistics role, or (channel reminders) an intake member. */
export function mayAct(
  directory: Directory,
  actor: Actor,
  r: Reminder,
  e: CycleEntry | undefined,
  opts: { intakeMember?: boolean },
): boolean {
  if (r.unitId) return opts.intakeMember === true;
  const me = lower(actor.aadObjectId);
  if (r.recipientAad === me) return true;
  if (isForStatistics(r, e)) return directory.isStatistician(me);
  return !!r.schoolId && directory.schoolsOfPrincipal(me).some((s) => s.id === r.schoolId);
}

/** Which reminders "Klart" records as done: the school's run (whoever of its principals presses), the statistics role's, or this one. */
export function doneScope(r: Pick<Reminder, 'schoolId' | 'unitId'>, e: CycleEntry | undefined): 'school' | 'statistics' | 'one' {
  return r.schoolId ? 'school' : isForStatistics(r, e) ? 'statistics' : 'one';
}

/**
 * Done-records per school, entry and term: a school counts once per entry and due run however many
 * principals it has.
 */
export function doneBySchoolAndTerm(
  runs: Array<{ schoolId: string; entryId: string; dueAt: Date }>,
): Array<{ schoolId: string; entryId: string; term: string; done: number }> {
  const seen = new Map<string, { schoolId: string; entryId: string; term: string; runs: Set<number> }>();
  for (const r of runs) {
    const term = termOf(r.dueAt);
    const key = `${r.schoolId}|${r.entryId}|${term}`;
    const hit = seen.get(key) ?? { schoolId: r.schoolId, entryId: r.entryId, term, runs: new Set<number>() };
    hit.runs.add(r.dueAt.getTime());
    seen.set(key, hit);
  }
  return [...seen.values()]
    .map(({ runs: dueRuns, ...rest }) => ({ ...rest, done: dueRuns.size }))
    .sort((a, b) => `${a.term}${a.schoolId}${a.entryId}`.localeCompare(`${b.term}${b.schoolId}${b.entryId}`));
}

/** The statistics' rule (suppression.ts): a count under 5, zero included, is shown as "<5". */
export const protect = (n: number): DigestCount => (n < MIN_CELL ? { under: MIN_CELL } : { n });

/**
 * Where a report is, for a principal's digest. The stage stops at "received": that a decision is
 * made reaches the reporter as feedback (SoL 19 kap. 6 §), and no one else; a principal who made
 * the report sees "decided" once they were given that feedback.
 */
export function stageFor(
  principal: string | undefined,
  r: { received: boolean; reporterAad: string; feedbackGiven: boolean },
): ReportStage {
  if (!r.received) return 'awaitingReceipt';
  return principal && lower(r.reporterAad) === lower(principal) && r.feedbackGiven ? 'decided' : 'received';
}

/** A summary's list: overdue (before `at`) first, then due today, at most LIST_LIMIT in all. */
export function splitDue(rows: Array<{ reference: string; due: Date }>, at: Date): DueList {
  const sorted = [...rows].sort((a, b) => a.due.getTime() - b.due.getTime());
  const overdue = sorted.filter((r) => r.due < at).map((r) => r.reference);
  const dueToday = sorted.filter((r) => r.due >= at).map((r) => r.reference);
  const more = Math.max(0, overdue.length + dueToday.length - LIST_LIMIT);
  const keepOverdue = overdue.slice(0, LIST_LIMIT);
  return { overdue: keepOverdue, dueToday: dueToday.slice(0, Math.max(0, LIST_LIMIT - keepOverdue.length)), more };
}

/**
 * When feedback is due (19 kap. 6 §): a week from the decision date intake entered, as on the card,
 * not from when the decision was recorded; at once when the investigation was already ongoing.
 */
export function feedbackDueOf(r: { decisionDate?: string; decidedAt: Date; decision: string }): Date {
  return feedbackDue({ date: r.decisionDate ?? localParts(r.decidedAt).date, outcome: r.decision });
}
