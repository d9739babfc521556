import {
  card,
  container,
  execute,
  facts,
  heading,
  openUrl,
  teamsText,
  text,
  userFacts,
  userText,
  type Action,
  type Card,
  type Element,
} from './card';
import type { Strings } from './i18n';
import { verbs } from './verbs';

/** An annual-cycle reminder. Texts come from the municipality config; names only as plain text. */
export interface CycleReminderCardView {
  id: string;
  title: { sv: string; en: string };
  text: { sv: string; en: string };
  link?: string;
  dutyCards: boolean;
  /** Värna's figures for this period (the statistics PDF) come with the card. */
  figures?: { kind: 'year'; year: number } | { kind: 'term'; term: string };
  /** The signed download of those figures for the person the card is shown to (short-lived). */
  figuresPdf?: string;
  /** Entra object id of that person: Teams fetches the card again when they look at it. */
  viewer?: string;
  schoolName?: string;
  dueAt: Date;
  status: 'open' | 'done';
  doneAt?: Date;
  doneByName?: string;
  snoozedUntil?: Date;
}

export function cycleReminderCard(view: CycleReminderCardView, t: Strings): Card {
  const r = t.reminders;
  const actions: Action[] = [];
  if (view.figuresPdf && view.figures) actions.push(openUrl(r.figuresPdf(r.period(view.figures)), view.figuresPdf));
  if (view.status === 'open') {
    actions.push(execute(r.done, verbs.reminderDone, { reminderId: view.id }, { style: 'positive' }));
    actions.push(execute(r.snooze, verbs.reminderSnooze, { reminderId: view.id }));
  }
  if (view.dutyCards) actions.push(execute(r.dutyCards, verbs.duty, {}));
  if (view.link) actions.push(openUrl(r.openLink, view.link));
  const rows: Array<[string, string]> = [];
  if (view.schoolName) rows.push([r.school, view.schoolName]);
  rows.push([r.due, t.date(view.dueAt)]);
  const c = card(
    [
      text(r.cycleLabel, { subtle: true }),
      heading(view.title[t.locale]),
      text(view.text[t.locale]),
      facts(rows),
      view.status === 'done' &&
        container(
          [
            text(r.doneNote(view.doneAt ? t.dateTime(view.doneAt) : ''), { color: 'Good', weight: 'Bolder' }),
            view.doneByName ? userFacts([[r.doneBy, teamsText(view.doneByName)]]) : undefined,
          ],
          { separator: true },
        ),
      view.status === 'open' &&
        view.snoozedUntil &&
        container([text(r.snoozedNote(t.date(view.snoozedUntil)), { color: 'Accent' })], { separator: true }),
      view.figures && text(view.figuresPdf ? r.figuresNote : r.figuresUnavailable, { subtle: true, size: 'Small' }),
      view.status === 'open' && view.schoolName && text(r.statsNote, { subtle: true, size: 'Small' }),
    ],
    actions,
  );
  // The download link is short-lived: Teams asks for the card again whenever it is shown
  // (Universal Actions' refresh), so the link is fresh when it is pressed.
  if (view.figuresPdf && view.viewer)
    c.refresh = {
      action: { type: 'Action.Execute', title: r.refresh, verb: verbs.reminderShow, data: { reminderId: view.id } },
      userIds: [`8:orgid:${view.viewer}`],
    };
  return c;
}

export interface DraftNudgeCardView {
  draftId: string;
  startedAt: Date;
}

/** "The duty is to report at once": sent once for a draft left untouched. No content of the draft. */
export function draftNudgeCard(view: DraftNudgeCardView, t: Strings): Card {
  const r = t.reminders;
  return card(
    [
      heading(r.draftTitle),
      text(r.draftText),
      facts([[r.draftStarted, t.dateTime(view.startedAt)]]),
      text(r.draftAcute, { weight: 'Bolder', color: 'Attention' }),
      text(r.draftLaw, { subtle: true, size: 'Small' }),
    ],
    [execute(r.draftResume, verbs.reportResume, { draftId: view.draftId }, { style: 'positive' })],
  );
}

/** A count, or that it is under 5 (the service does not give the card a small number). */
export type DigestCountView = { n: number } | { under: number };
/** "<5" as the statistics show it (services/statistics.ts `show`), written here for the digest. */
const shown = (c: DigestCountView): string => ('n' in c ? String(c.n) : `<${c.under}`);

export interface DigestCardView {
  schoolName: string;
  from: Date;
  to: Date;
  sent: DigestCountView;
  awaitingReceipt: DigestCountView;
  decisionsOverdue: DigestCountView;
  feedbackGiven: DigestCountView;
  consultations: DigestCountView;
  references?: Array<{ reference: string; stage: 'awaitingReceipt' | 'received' | 'decided' }>;
}

/** The principal's weekly digest: counts; references and stage only when the principal is a party. */
export function digestCard(view: DigestCardView, t: Strings): Card {
  const r = t.reminders;
  const refs: Element[] = view.references
    ? [
        container(
          [
            text(r.digestReferences, { weight: 'Bolder' }),
            view.references.length
              ? facts(view.references.map((x) => [x.reference, r.stage[x.stage]]))
              : text(r.digestNone, { subtle: true }),
          ],
          { separator: true },
        ),
      ]
    : [text(r.digestCountsOnly, { subtle: true, size: 'Small' })];
  return card(
    [
      heading(r.digestTitle(view.schoolName)),
      text(r.digestPeriod(t.date(view.from), t.date(view.to)), { subtle: true }),
      facts([
        [r.digestSent, shown(view.sent)],
        [r.digestAwaitingReceipt, shown(view.awaitingReceipt)],
        [r.digestDecisionsOverdue, shown(view.decisionsOverdue)],
        [r.digestFeedbackGiven, shown(view.feedbackGiven)],
        [r.digestConsultations, shown(view.consultations)],
      ]),
      text(r.digestSmall, { subtle: true, size: 'Small' }),
      ...refs,
    ],
    [],
  );
}

export interface DueListView {
  overdue: string[];
  dueToday: string[];
  more: number;
}
export interface IntakeSummaryCardView {
  unitName: string;
  day: Date;
  protection: DueListView;
  decision: DueListView;
  feedback: DueListView;
  receiptMissing: DueListView;
  unregistered: string[];
  unregisteredMore: number;
}

/** The intake unit's daily list: references and deadlines only (the channel card has no child). */
export function intakeSummaryCard(view: IntakeSummaryCardView, t: Strings): Card {
  const r = t.reminders;
  const section = (title: string, list: DueListView): Element | undefined => {
    if (!list.overdue.length && !list.dueToday.length) return undefined;
    const rows: Array<[string, string]> = [];
    if (list.overdue.length) rows.push([r.overdue, list.overdue.join(', ')]);
    if (list.dueToday.length) rows.push([r.dueToday, list.dueToday.join(', ')]);
    if (list.more) rows.push(['', r.more(list.more)]);
    return container([text(title, { weight: 'Bolder' }), facts(rows)], { separator: true });
  };
  return card([
    heading(r.summaryTitle(view.unitName, t.date(view.day))),
    section(r.summaryProtection, view.protection),
    section(r.summaryDecision, view.decision),
    section(r.summaryFeedback, view.feedback),
    section(r.summaryReceipt, view.receiptMissing),
    view.unregistered.length > 0 &&
      container(
        [
          text(r.summaryUnregistered, { weight: 'Bolder' }),
          text(view.unregistered.join(', ')),
          view.unregisteredMore > 0 && text(r.more(view.unregisteredMore), { subtle: true }),
        ],
        { separator: true },
      ),
    text(r.summaryLaw, { subtle: true, size: 'Small' }),
  ]);
}

export interface UnreachableCardView {
  principals: Array<{ name?: string; schools: string[] }>;
}

const UNREACHABLE_SHOWN = 60;

/** For the admin: principals without the app, by name from the municipality config. */
export function unreachableCard(view: UnreachableCardView, t: Strings): Card {
  const r = t.reminders;
  if (!view.principals.length) return card([heading(r.unreachableTitle), text(r.unreachableNone, { color: 'Good' })]);
  const shown = view.principals.slice(0, UNREACHABLE_SHOWN);
  return card([
    heading(r.unreachableTitle),
    text(r.unreachableIntro(view.principals.length)),
    container(shown.map((p) => userText(p.schools.join(', '), { label: p.name ?? r.unreachableNoName }))),
    view.principals.length > shown.length && text(r.unreachableMore(view.principals.length - shown.length), { subtle: true }),
  ]);
}
