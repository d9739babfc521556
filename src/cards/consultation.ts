import { actionSet, card, choiceInput, container, execute, facts, heading, text, textInput, userText, type Card, type Element } from './card';
import type { Strings } from './i18n';
import { verbs } from './verbs';

/**
 * Anonymous consultation cards. The channel views have no field for who asked, so no channel card
 * can show the teacher's name, e-mail or Teams id.
 */
type Origin = { kind: 'school'; schoolName: string } | { kind: 'area'; level: string; districtName: string };
type Outcome = 'report' | 'noReportNow' | 'otherSupport';
const outcomeList: Outcome[] = ['report', 'noReportNow', 'otherSupport'];

export interface ComposeView {
  nonce: string;
  schools: Array<{ id: string; name: string }>;
  schoolId?: string;
  showSchool: boolean;
  text?: string;
  /** Examples of the two origins for the remembered school ("från Ekbackens skola"). */
  examples?: { hidden: Origin; shown: Origin };
  errors?: Record<string, string>;
}

export interface ReviewView {
  nonce: string;
  schoolId: string;
  showSchool: boolean;
  origin: Origin;
  text: string;
  removedKinds: string[];
  flagged: Array<{ kind: string; value: string }>;
  /** Set when reviewing a reply in an open consultation. */
  replyTo?: { id: string; pseudonym: string };
}

export interface Message {
  author: 'intake' | 'teacher';
  at: Date;
  text?: string;
}

export interface ThreadView {
  id: string;
  pseudonym: string;
  origin: Origin;
  createdAt: Date;
  question?: string;
  messages: Message[];
  open: boolean;
  outcome?: Outcome;
}

/** The question and the latest messages: a card stays well under Teams' size limit. */
const SHOWN_MESSAGES = 4;

function history(view: ThreadView, t: Strings, side: 'intake' | 'teacher'): Array<Element | false> {
  const c = t.consultation;
  const hidden = Math.max(0, view.messages.length - SHOWN_MESSAGES);
  return [
    view.question !== undefined ? userText(view.question, { label: c.question }) : text(c.purged, { subtle: true }),
    hidden > 0 && text(c.earlier(hidden), { subtle: true, size: 'Small' }),
    ...view.messages.slice(hidden).map((m) =>
      container(
        [
          text(`${m.author === 'intake' ? c.fromIntake : side === 'teacher' ? c.you : c.fromTeacher} · ${t.dateTime(m.at)}`, { subtle: true, size: 'Small' }),
          m.text !== undefined ? userText(m.text) : text(c.purged, { subtle: true }),
        ],
        { separator: true },
      ),
    ),
  ];
}

/** Step 1 in the teacher's 1:1 chat: the warning, the text, the school and what intake sees. */
export function composeCard(view: ComposeView, t: Strings): Card {
  const c = t.consultation;
  const hide = view.examples ? c.hideSchool(`"${c.origin(view.examples.hidden)}"`) : c.hideSchoolGeneric;
  const show = view.examples ? c.showSchool(`"${c.origin(view.examples.shown)}"`) : c.showSchoolGeneric;
  const err = (field: string) => (view.errors?.[field] ? (c.errors[view.errors[field]!] ?? t.errors.validation) : undefined);
  return card(
    [
      heading(c.title, 'Large'),
      text(c.intro),
      container([text(c.warning), text(c.notAReport)], { style: 'warning' }),
      ...textInput({ id: 'text', label: c.textLabel, placeholder: c.textPlaceholder, multiline: true, maxLength: 4000, isRequired: true, value: view.text, error: err('text') }),
      ...choiceInput({ id: 'schoolId', label: c.schoolLabel, choices: view.schools.map((s) => [s.name, s.id]), value: view.schoolId, isRequired: true, error: err('schoolId') }),
      ...choiceInput({ id: 'showSchool', label: c.showSchoolLabel, choices: [[hide, 'false'], [show, 'true']], value: view.showSchool ? 'true' : 'false', expanded: true }),
    ],
    [execute(c.send, verbs.consultSend, { nonce: view.nonce }, { style: 'positive' }), execute(c.cancel, verbs.welcome, {}, { associatedInputs: 'none' })],
  );
}

/** Step 2, when the guard found something: what was removed, what may be a name, the text to edit. */
export function reviewCard(view: ReviewView, t: Strings): Card {
  const c = t.consultation;
  const accepted = view.flagged.map((f) => f.value);
  const action = view.replyTo
    ? execute(c.sendAnyway, verbs.consultReply, { id: view.replyTo.id, accepted }, { style: 'positive' })
    : execute(c.sendAnyway, verbs.consultSend, { nonce: view.nonce, schoolId: view.schoolId, showSchool: String(view.showSchool), accepted }, { style: 'positive' });
  return card(
    [
      heading(view.replyTo ? `${c.reviewTitle} (${view.replyTo.pseudonym})` : c.reviewTitle, 'Large'),
      text(c.reviewIntro),
      view.removedKinds.length > 0 && container([text(c.removed(view.removedKinds.length))], { style: 'good' }),
      view.flagged.length > 0 &&
        container([text(c.flagged, { weight: 'Bolder' }), ...view.flagged.map((f) => userText(f.value, { label: c.kinds[f.kind] ?? f.kind }))], { style: 'warning' }),
      !view.replyTo && text(c.heading('K-…', c.origin(view.origin)), { subtle: true }),
      ...textInput({ id: view.replyTo ? 'reply' : 'text', label: view.replyTo ? c.replyLabel : c.textLabel, multiline: true, maxLength: view.replyTo ? 2000 : 4000, isRequired: true, value: view.text }),
      text(c.notAReport, { size: 'Small' }),
    ],
    [action, execute(c.cancel, verbs.welcome, {}, { associatedInputs: 'none' })],
  );
}

/** The teacher's receipt: sent under a pseudonym; answers will come here. */
export function sentCard(view: ThreadView, t: Strings): Card {
  const c = t.consultation;
  return card([
    heading(c.sentTitle(view.pseudonym)),
    text(c.sentText(c.origin(view.origin))),
    ...history(view, t, 'teacher'),
    text(c.notAReport, { size: 'Small' }),
  ]);
}

/** The intake channel's card: the pseudonym, the origin, the thread; answer and close while open. */
export function channelCard(view: ThreadView, t: Strings): Card {
  const c = t.consultation;
  const body: Array<Element | false> = [
    heading(c.heading(view.pseudonym, c.origin(view.origin))),
    facts([
      [c.askedAt, t.dateTime(view.createdAt)],
      [c.status, view.open ? c.open : c.closed],
    ]),
    ...history(view, t, 'intake'),
    view.outcome !== undefined && text(c.outcomeShown(view.outcome), { weight: 'Bolder' }),
    text(c.intakeNote, { subtle: true, size: 'Small' }),
  ];
  if (!view.open) return card(body);
  return card(
    [
      ...body,
      ...textInput({ id: 'answer', label: c.answerLabel, multiline: true, maxLength: 2000 }),
      ...choiceInput({ id: 'outcome', label: c.outcomeLabel, choices: outcomeList.map((o) => [c.outcomes[o], o]) }),
    ],
    [execute(c.answer, verbs.consultAnswer, { id: view.id }, { style: 'positive' }), execute(c.close, verbs.consultClose, { id: view.id })],
  );
}

/** A teacher's reply, posted in the consultation's thread in the channel. */
export function threadReplyCard(view: ThreadView, text_: string | undefined, t: Strings): Card {
  const c = t.consultation;
  return card([text(c.replyInThread(view.pseudonym), { weight: 'Bolder' }), text_ !== undefined ? userText(text_) : text(c.purged, { subtle: true })]);
}

/** The teacher's 1:1 card for a running consultation: the thread and a reply box, or the outcome. */
export function teacherThreadCard(view: ThreadView, t: Strings, opts: { reportVerb?: string; note?: string } = {}): Card {
  const c = t.consultation;
  const body: Array<Element | false> = [
    heading(view.open ? c.answerTitle(view.pseudonym) : c.closedTitle(view.pseudonym)),
    opts.note !== undefined && container([text(opts.note, { weight: 'Bolder' })], { style: 'good' }),
    ...history(view, t, 'teacher'),
  ];
  if (view.open) {
    return card(
      [...body, ...textInput({ id: 'reply', label: c.replyLabel, multiline: true, maxLength: 2000 }), text(c.notAReport, { size: 'Small' })],
      [execute(c.reply, verbs.consultReply, { id: view.id }, { style: 'positive' })],
    );
  }
  const report = view.outcome === 'report';
  return card(
    [
      ...body,
      view.outcome !== undefined && text(c.outcomeShown(view.outcome), { weight: 'Bolder' }),
      report ? container([text(c.closedReport)], { style: 'attention' }) : text(c.closedOther),
    ],
    report && opts.reportVerb ? [execute(c.startReport, opts.reportVerb, { fromConsultation: view.id }, { style: 'positive' })] : [],
  );
}

export interface MineView {
  items: Array<{ id: string; pseudonym: string; open: boolean; outcome?: Outcome; createdAt: Date }>;
}

/** The teacher's own consultations (found by a keyed hash of their id), newest first. */
export function mineCard(view: MineView, t: Strings): Card {
  const c = t.consultation;
  return card(
    [
      heading(c.mineTitle, 'Large'),
      view.items.length === 0 && text(c.mineEmpty),
      ...view.items.map((i) =>
        container(
          [
            text(c.mineItem(i.pseudonym, t.date(i.createdAt), i.open ? c.open : i.outcome ? c.outcomes[i.outcome] : c.closed)),
            actionSet([execute(c.show(i.pseudonym), verbs.consultShow, { id: i.id })]),
          ],
          { separator: true },
        ),
      ),
    ],
    [execute(c.start, verbs.consultStart), execute(t.menu, verbs.welcome)],
  );
}

/** The question did not reach the channel in time: the teacher may phone instead. */
export function delayedCard(view: { pseudonym: string; unitName: string; unitPhone: string }, t: Strings): Card {
  return card([text(t.consultation.delayed(view.pseudonym, view.unitName, view.unitPhone), { color: 'Attention', weight: 'Bolder' })]);
}
