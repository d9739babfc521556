import {
  actionSet,
  card,
  choiceInput,
  container,
  execute,
  facts,
  heading,
  plain,
  text,
  textInput,
  userText,
  type Card,
  type Element,
} from './card';
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
  /** Set when the teacher came back from a review to edit ("Ändra texten"). */
  edited?: boolean;
  schools: Array<{ id: string; name: string }>;
  schoolId?: string;
  showSchool: boolean;
  text?: string;
  /** Examples of the two origins for the remembered school ("från Ekbackens skola"). */
  examples?: { hidden: Origin; shown: Origin };
  errors?: Record<string, string>;
}

export interface ReviewView {
  reviewId: string;
  version: number;
  /** What intake will see as the origin (a question only). */
  origin?: Origin;
  /** Set when reviewing a reply in an open consultation. */
  replyTo?: { pseudonym: string };
  /** How many personnummer, phone numbers or e-mail addresses were removed. */
  removed: number;
  /** The text that will be sent, in pieces: replaced and removed ones are highlighted. */
  segments: Array<{ text: string; mark?: 'replaced' | 'removed' }>;
  /** Each replacement, with the word it replaced and whether the teacher restored it. */
  hits: Array<{ index: number; kind: string; value: string; restored: boolean }>;
  /** A line above the text (e.g. "the card had changed: check again"). */
  note?: string;
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
          text(`${m.author === 'intake' ? c.fromIntake : side === 'teacher' ? c.you : c.fromTeacher} · ${t.dateTime(m.at)}`, {
            subtle: true,
            size: 'Small',
          }),
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
      text(view.edited ? c.editIntro : c.intro),
      container([text(c.warning), text(c.notAReport)], { style: 'warning' }),
      ...textInput({
        id: 'text',
        label: c.textLabel,
        placeholder: c.textPlaceholder,
        multiline: true,
        maxLength: 4000,
        isRequired: true,
        errorMessage: c.errors.tooShort,
        value: view.text,
        error: err('text'),
      }),
      ...choiceInput({
        id: 'schoolId',
        label: c.schoolLabel,
        choices: view.schools.map((s) => [s.name, s.id]),
        value: view.schoolId,
        isRequired: true,
        errorMessage: c.errors.unknown,
        error: err('schoolId'),
      }),
      ...choiceInput({
        id: 'showSchool',
        label: c.showSchoolLabel,
        choices: [
          [hide, 'false'],
          [show, 'true'],
        ],
        value: view.showSchool ? 'true' : 'false',
        expanded: true,
      }),
    ],
    [
      execute(c.send, verbs.consultSend, { nonce: view.nonce }, { style: 'positive' }),
      execute(c.cancel, verbs.welcome, {}, { associatedInputs: 'none' }),
    ],
  );
}

/** At most this many replacements get their own button; the rest are changed by editing the text. */
export const REVIEW_BUTTONS = 20;
/** At most this many replacements are highlighted (the card stays small with a text full of names). */
export const REVIEW_HIGHLIGHTS = 120;

function highlightedText(segments: ReviewView['segments']): Element {
  const inlines: Array<{ type: 'TextRun'; text: string; highlight?: true; weight?: 'Bolder' }> = [];
  let marks = 0;
  for (const s of segments) {
    const mark = s.mark !== undefined && marks++ < REVIEW_HIGHLIGHTS;
    const last = inlines.at(-1);
    if (mark) inlines.push({ type: 'TextRun', text: plain(s.text), highlight: true, weight: 'Bolder' });
    else if (last && !last.highlight) last.text += plain(s.text);
    else inlines.push({ type: 'TextRun', text: plain(s.text) });
  }
  return { type: 'RichTextBlock', inlines };
}

/**
 * Step 2, when the guard found something: the text as it will be sent, with every replacement
 * highlighted in place, and next to each replaced word a button that restores that word only.
 * The buttons carry the review's id, version and the replacement's index: the server holds the
 * text, so the primary button can only send what the server cleaned.
 */
export function reviewCard(view: ReviewView, t: Strings): Card {
  const c = t.consultation;
  const ref = { review: view.reviewId, v: String(view.version) };
  const shown = view.hits.slice(0, REVIEW_BUTTONS);
  const row = (h: ReviewView['hits'][number]): Element => ({
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      {
        type: 'Column',
        width: 'stretch',
        verticalContentAlignment: 'Center',
        items: [
          {
            type: 'RichTextBlock',
            inlines: [
              { type: 'TextRun', text: `"${plain(h.value)}"`, weight: 'Bolder' },
              { type: 'TextRun', text: h.restored ? ` ${c.restoredNote}` : ` → ${c.placeholders[h.kind] ?? ''}` },
            ],
          },
        ],
      },
      {
        type: 'Column',
        width: 'auto',
        items: [
          actionSet([
            h.restored
              ? execute(c.replaceAgain, verbs.consultReplace, { ...ref, hit: String(h.index) })
              : execute(c.restore[h.kind] ?? c.restore.name!, verbs.consultRestore, { ...ref, hit: String(h.index) }),
          ]),
        ],
      },
    ],
  });
  return card(
    [
      heading(view.replyTo ? `${c.reviewTitle} (${view.replyTo.pseudonym})` : c.reviewTitle, 'Large'),
      text(view.hits.length ? c.reviewIntro : c.reviewIntroRemovedOnly),
      view.note !== undefined && container([text(view.note, { weight: 'Bolder' })], { style: 'attention' }),
      view.removed > 0 && container([text(c.removed(view.removed))], { style: 'emphasis' }),
      view.origin && text(c.heading('K-…', c.origin(view.origin)), { subtle: true }),
      text(view.replyTo ? c.willSendReply : c.willSend, { weight: 'Bolder' }),
      container([highlightedText(view.segments)], { style: 'emphasis' }),
      shown.length > 0 && container([text(c.replacedTitle, { weight: 'Bolder' }), ...shown.map(row)], { separator: true }),
      view.hits.length > shown.length && text(c.moreReplaced(view.hits.length - shown.length), { subtle: true }),
      text(c.notAReport, { size: 'Small' }),
    ],
    [
      execute(c.sendAnyway, verbs.consultConfirm, ref, { style: 'positive' }),
      execute(view.replyTo ? c.editReply : c.editText, verbs.consultEdit, { review: view.reviewId }),
      execute(c.cancel, verbs.consultCancel, { review: view.reviewId }),
    ],
  );
}

/** After "Avbryt" on a review: nothing was sent, and the text is gone from Värna. */
export function cancelledCard(t: Strings): Card {
  return card([text(t.consultation.cancelled)], [execute(t.menu, verbs.welcome)]);
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
  return card([
    text(c.replyInThread(view.pseudonym), { weight: 'Bolder' }),
    text_ !== undefined ? userText(text_) : text(c.purged, { subtle: true }),
  ]);
}

/** The teacher's 1:1 card for a running consultation: the thread and a reply box, or the outcome. */
export function teacherThreadCard(view: ThreadView, t: Strings, opts: { reportVerb?: string; note?: string; reply?: string } = {}): Card {
  const c = t.consultation;
  const body: Array<Element | false> = [
    heading(view.open ? c.answerTitle(view.pseudonym) : c.closedTitle(view.pseudonym)),
    opts.note !== undefined && container([text(opts.note, { weight: 'Bolder' })], { style: 'good' }),
    ...history(view, t, 'teacher'),
  ];
  if (view.open) {
    return card(
      [
        ...body,
        ...textInput({
          id: 'reply',
          label: c.replyLabel,
          multiline: true,
          maxLength: 2000,
          isRequired: true,
          errorMessage: c.errors['reply.tooShort'],
          value: opts.reply,
        }),
        text(c.notAReport, { size: 'Small' }),
      ],
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
