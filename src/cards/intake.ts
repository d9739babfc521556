import type { PermittedFeedback } from '../services/feedback';
import type { ClockState, HistoryEntry, Outcome } from '../services/intake';
import {
  card,
  choiceInput,
  container,
  dateInput,
  execute,
  facts,
  heading,
  teamsText,
  text,
  textInput,
  toggleInput,
  userFacts,
  userText,
  type Action,
  type Card,
  type Element,
} from './card';
import type { Strings } from './i18n';
import { intakeReportCard, taskFetch, type IntakeView } from './report';
import { verbs } from './verbs';

/** The shared intake card: triage facts, where the case stands, its clocks and history. Never the child. */
export interface IntakeCardView extends IntakeView {
  handlerName?: string;
  handlerPhone?: string;
  protection?: { immediate: boolean };
  decision?: Outcome;
  feedback: 'sent' | 'notAsked' | 'inappropriate' | 'pending';
  meetingOffered: boolean;
  /** "Registrerad i verksamhetssystemet": when, and by whom (no name when an export registered it). */
  registered?: { at: Date; who: string };
  /** The decision was recorded before the protection assessment (or there is none yet). */
  decisionBeforeProtection?: boolean;
  clocks: ClockState[];
  history: HistoryEntry[];
  today: string;
}

/** Universal Action with an Action.Submit fallback for clients without Action.Execute. */
function act(title: string, verb: string, data: Record<string, unknown>, style?: 'positive' | 'destructive'): Action {
  const a = execute(title, verb, data, style ? { style } : {});
  return { ...a, fallback: { type: 'Action.Submit', title, data: a.data } };
}

function showCard(title: string, body: Element[], action: Action): Action {
  return { type: 'Action.ShowCard', title, card: { type: 'AdaptiveCard', body, actions: [action] } };
}

export function intakeCard(v: IntakeCardView, t: Strings): Card {
  const i = t.intake;
  const ref = { reference: v.reference };
  // The handler's name is their Teams display name and the phone what they typed: plain text runs
  // (userFacts), one line each, capped, whatever they contain (issue 20 §5).
  const state: Array<[string, string]> = [
    [
      i.state.handler,
      v.handlerName ? `${teamsText(v.handlerName)}${v.handlerPhone ? `, ${teamsText(v.handlerPhone, 40)}` : ''}` : i.state.notTaken,
    ],
    ...(v.protection
      ? ([[i.state.protection, v.protection.immediate ? i.state.immediate : i.state.noImmediate]] as Array<[string, string]>)
      : []),
    ...(v.decision ? ([[i.state.decision, i.outcomes[v.decision]]] as Array<[string, string]>) : []),
    [
      i.state.feedback,
      {
        sent: i.state.feedbackSent,
        notAsked: i.state.feedbackNotAsked,
        inappropriate: i.state.feedbackInappropriate,
        pending: i.state.feedbackPending,
      }[v.feedback],
    ],
    ...(v.meetingOffered ? ([[i.state.meeting, i.state.meetingOffered]] as Array<[string, string]>) : []),
    [
      i.registration.state,
      v.registered ? i.registration.done(t.dateTime(v.registered.at), teamsText(v.registered.who)) : i.registration.notYet,
    ],
  ];
  const clockLine = (c: ClockState) => {
    const label = i.clocks[c.name];
    const doneOn = c.doneDate ? t.date(new Date(`${c.doneDate}T12:00:00Z`)) : c.doneAt ? t.dateTime(c.doneAt) : '';
    if (c.immediate) {
      // Acute: due at once (20 kap. 1 § "genast"), no computed deadline to show.
      return c.status === 'done'
        ? text(`✔ ${label}: ${i.clocks.done(doneOn)}`)
        : text(`⚠ ${label}: ${i.clocks.now}`, { color: 'Attention', weight: 'Bolder' });
    }
    const when =
      c.status === 'done'
        ? c.late
          ? i.clocks.doneLate(doneOn, t.dateTime(c.due))
          : i.clocks.done(doneOn)
        : c.status === 'overdue'
          ? i.clocks.overdue(t.dateTime(c.due))
          : i.clocks.due(t.dateTime(c.due));
    const warn = c.status === 'overdue' || (c.status === 'done' && c.late);
    return text(
      `${c.status === 'done' && !c.late ? '✔' : warn ? '⚠' : '•'} ${label}: ${when}`,
      warn ? { color: 'Attention', weight: 'Bolder' } : {},
    );
  };
  const historyLine = (entry: HistoryEntry): Element => {
    const h = { ...entry, who: teamsText(entry.who) };
    const d = h.detail;
    const line =
      h.kind === 'submitted'
        ? i.history.submitted
        : h.kind === 'take'
          ? i.history.take(h.who)
          : h.kind === 'protection'
            ? i.history.protection(h.who, d.immediate === true)
            : h.kind === 'decision'
              ? `${i.history.decision(h.who, i.outcomes[d.outcome as Outcome] ?? '', d.feedbackSent === true)}${d.beforeProtection === true ? i.order.history : ''}`
              : h.kind === 'inappropriate'
                ? i.history.inappropriate(h.who)
                : h.kind === 'meeting'
                  ? i.history.meeting(h.who)
                  : h.kind === 'feedbackRequested'
                    ? i.history.feedbackRequested(d.sentNow === true)
                    : h.kind === 'register'
                      ? i.registration.history(h.who, d.via === 'export')
                      : h.kind;
    // Names come from Teams profiles: plain text runs, never markdown.
    return { ...userText(`${t.dateTime(h.at)} – ${line}`), spacing: 'None' };
  };

  const actions: Action[] = [];
  // The take form opens in a dialog, which is the handler's own: their phone is prefilled there from
  // their last take; the shared card cannot show one person's number (issue 22 §4).
  if (!v.handlerName) actions.push(taskFetch(i.take, verbs.intakeTakeForm, ref));
  if (!v.protection)
    actions.push(
      showCard(
        i.protection,
        choiceInput({
          id: 'immediate',
          label: i.protectionImmediate,
          expanded: true,
          isRequired: true,
          choices: [
            [i.protectionYes, 'yes'],
            [i.protectionNo, 'no'],
          ],
        }),
        act(i.record, verbs.intakeProtection, ref),
      ),
    );
  if (!v.decision)
    actions.push(
      showCard(
        i.decision,
        [
          ...(v.protection ? [] : [text(i.order.formWarning, { color: 'Attention', weight: 'Bolder' })]),
          ...choiceInput({
            id: 'outcome',
            label: i.decisionOutcome,
            expanded: true,
            isRequired: true,
            choices: (Object.keys(i.outcomes) as Outcome[]).map((o) => [i.outcomes[o], o]),
          }),
          ...dateInput({ id: 'date', label: i.decisionDate, value: v.today, max: v.today, isRequired: true }),
          ...(v.feedback === 'notAsked' ? toggleInput({ id: 'sendUnasked', label: i.state.feedback, title: i.sendUnasked }) : []),
        ],
        act(i.record, verbs.intakeDecision, ref),
      ),
    );
  if (v.feedback !== 'inappropriate' && v.feedback !== 'sent')
    actions.push(
      showCard(
        i.inappropriate,
        textInput({ id: 'reason', label: i.inappropriateReason, multiline: true, isRequired: true, maxLength: 2000 }),
        act(i.record, verbs.intakeInappropriate, ref, 'destructive'),
      ),
    );
  if (!v.meetingOffered)
    actions.push(showCard(i.meeting, [text(t.report.wishes.meetingInfo)], act(i.meetingConfirm, verbs.intakeMeeting, ref)));
  if (!v.registered)
    actions.push(
      showCard(i.registration.action, [text(i.registration.explain)], act(i.registration.confirm, verbs.intakeRegister, ref, 'positive')),
    );

  return intakeReportCard(v, t, {
    clocksShown: true,
    body: [
      container([userFacts(state)], { separator: true }),
      ...(v.decision && v.decisionBeforeProtection ? [text(`⚠ ${i.order.cardWarning}`, { color: 'Attention', weight: 'Bolder' })] : []),
      container([text(i.clocks.title, { weight: 'Bolder' }), ...v.clocks.map(clockLine)], { separator: true }),
      container([text(i.history.title, { weight: 'Bolder' }), ...v.history.slice(-8).map(historyLine)], { separator: true }),
    ],
    actions: actions.slice(0, 5),
  });
}

/** What the reporter sees: one of the permitted messages, its legal basis, and the secrecy reminder. */
export function feedbackCard(reference: string, f: PermittedFeedback, t: Strings): Card {
  const fb = t.intake.feedback;
  const body =
    f.kind === 'received'
      ? fb.received(teamsText(f.handlerName), teamsText(f.handlerPhone, 40))
      : f.kind === 'investigation'
        ? fb.investigation[f.outcome]
        : fb.meeting;
  return card([
    heading(fb.title(reference)),
    f.kind === 'received' ? userText(body) : text(body, { weight: 'Bolder' }),
    f.kind === 'investigation' && f.outcome !== 'notOpened' && text(fb.informationDuty, { subtle: true }),
    // The receipt is not decision feedback: it cites no provision (19 kap. 6 § and OSL 26 kap. 9 a §
    // are about the decision).
    f.kind !== 'received' && text(f.kind === 'jointMeetingOffered' ? fb.lawMeeting : fb.law, { subtle: true, size: 'Small' }),
    text(fb.secrecy, { subtle: true, size: 'Small' }),
  ]);
}

export function alertCard(message: string): Card {
  return card([text(message, { color: 'Attention', weight: 'Bolder' })]);
}

export interface AcuteAlertView {
  reference: string;
  /** The unit's tag to @mention (the Bot Framework can mention a user or a tag, not a team or a channel). */
  tag?: { id: string; name: string };
  /** How many alerts came before this one, and minutes since the report came in. */
  repeat: number;
  minutes: number;
  outOfHours: boolean;
}

/** An acute report not yet taken, in its thread: the tag @mentioned, and how long it has waited. */
export function acuteAlertCard(v: AcuteAlertView, t: Strings): Card {
  const a = t.intake.acute;
  const mention = v.tag ? `<at>${v.tag.name}</at> ` : '';
  const c = card([
    text(`${mention}${a.alert(v.reference)}`, { weight: 'Bolder' }),
    v.repeat > 0 && text(a.repeat(v.repeat, v.minutes), { subtle: true }),
    v.outOfHours && text(a.outOfHours),
  ]);
  if (v.tag)
    c.msteams = {
      width: 'Full',
      entities: [{ type: 'mention', text: `<at>${v.tag.name}</at>`, mentioned: { id: v.tag.id, name: v.tag.name, type: 'tag' } }],
    };
  return c;
}

export interface OnCallAlertView {
  reference: string;
  schoolName: string;
  receivedAt: Date;
  unitName: string;
  onCallPhone: string;
}

/** Outside office hours, for the unit's on-call channel or person: triage facts only, never the child. */
export function onCallAlertCard(v: OnCallAlertView, t: Strings): Card {
  const a = t.intake.acute;
  return card([
    heading(a.onCallTitle(v.reference)),
    facts([
      [a.school, v.schoolName],
      [a.received, t.dateTime(v.receivedAt)],
    ]),
    text(a.onCallText(v.unitName, v.onCallPhone)),
  ]);
}

/** What is left of a purged report's message in Teams (retention.teamsMessages: replace). */
export function purgedNoteCard(decision: string | undefined, t: Strings): Card {
  return card([text(t.intake.purged.text(decision), { subtle: true })]);
}

export interface MyReportsView {
  page: number;
  more: boolean;
  rows: Array<{
    reference: string;
    receivedAt: Date;
    schoolName: string;
    handlerName?: string;
    decisionFeedback?: Outcome;
    canAskFeedback: boolean;
    asked: boolean;
  }>;
}

/** The reporter's own reports. Decision news shows only when it was given to them. */
export function myReportsCard(v: MyReportsView, t: Strings): Card {
  const m = t.intake.mine;
  const nav: Action[] = [];
  if (v.page > 0) nav.push(execute(m.newer, verbs.myReports, { page: v.page - 1 }));
  if (v.more) nav.push(execute(m.more, verbs.myReports, { page: v.page + 1 }));
  return card(
    [
      heading(m.title, 'Large'),
      v.rows.length === 0 && text(m.none),
      ...v.rows.map((r) =>
        container(
          [
            text(`${r.reference} – ${t.date(r.receivedAt)}`, { weight: 'Bolder' }),
            text(r.schoolName, { subtle: true, spacing: 'None' }),
            r.handlerName ? userText(m.status.received(teamsText(r.handlerName))) : text(m.status.sent),
            r.decisionFeedback && text(t.intake.feedback.investigation[r.decisionFeedback]),
            r.asked && !r.decisionFeedback && text(m.asked, { subtle: true }),
            r.canAskFeedback && {
              type: 'ActionSet',
              actions: [execute(m.askFeedback, verbs.requestFeedback, { reference: r.reference, page: v.page })],
            },
          ],
          { separator: true },
        ),
      ),
      v.page > 0 && text(m.page(v.page + 1), { subtle: true }),
    ],
    [...nav, execute(t.menu, verbs.welcome)],
  );
}

export interface TakeFormView {
  reference: string;
  /** The phone this handler gave at their last take (their own handler data), if any. */
  phone?: string;
  prefilled: boolean;
  error?: 'phoneRequiredField' | 'phoneInvalidField';
}

/** "Ta ärendet", in the handler's own dialog: their phone, prefilled from their last take, required. */
export function takeFormCard(v: TakeFormView, t: Strings): Card {
  const f = t.intake.takeForm;
  return card(
    [
      heading(f.title(v.reference)),
      text(f.intro),
      ...textInput({
        id: 'phone',
        label: f.phone,
        style: 'Tel',
        maxLength: 40,
        isRequired: true,
        errorMessage: t.intake.refusals.phoneRequiredField,
        ...(v.phone ? { value: v.phone } : {}),
        ...(v.error ? { error: t.intake.refusals[v.error] } : {}),
      }),
      v.prefilled && text(f.prefilled, { subtle: true, size: 'Small' }),
    ],
    [{ type: 'Action.Submit', title: f.confirm, style: 'positive', data: { verb: verbs.intakeTake, reference: v.reference } }],
  );
}
