import type { Category, FieldErrors, Step } from '../services/report-model';
import { doNotInformGuardians, limits, steps } from '../services/report-model';
import {
  actionSet,
  card,
  choiceInput,
  container,
  execute,
  facts,
  heading,
  openUrl,
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
import { verbs } from './verbs';

type Values = Record<string, string | boolean | undefined>;

export interface StepView {
  draftId: string;
  step: Step;
  values: Values;
  errors: FieldErrors;
  schools: Array<{ id: string; name: string }>;
  /** Shown at the top of the card when the teacher said the child is in immediate danger. */
  acute?: AcuteView;
}

export interface AcuteView {
  open: boolean;
  intakeName: string;
  intakePhone: string;
  onCallPhone: string;
}

export function errorText(code: string | undefined, t: Strings): string | undefined {
  if (!code) return undefined;
  const [kind, max, length] = code.split(':');
  if (kind === 'tooLong') return t.report.errors.tooLong(Number(max), length ? Number(length) : undefined);
  const known = t.report.errors as unknown as Record<string, string>;
  return typeof known[kind!] === 'string' ? known[kind!] : t.report.errors.invalid;
}

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);

function header(view: { step: Step }, t: Strings): Element[] {
  const index = steps.indexOf(view.step) + 1;
  return [text(t.report.title, { subtle: true }), heading(t.report.stepOf(index, steps.length, t.report.stepNames[view.step]))];
}

export function acuteBanner(a: AcuteView, t: Strings): Element {
  return container(
    [
      text(t.report.acute.call112, { weight: 'Bolder', size: 'Large' }),
      text(a.open ? t.report.acute.phoneOpen(a.intakeName, a.intakePhone) : t.report.acute.phoneClosed(a.onCallPhone), { weight: 'Bolder' }),
      text(t.report.acute.followUp),
    ],
    { style: 'attention' },
  );
}

function navigation(view: StepView, t: Strings): Action[] {
  const index = steps.indexOf(view.step);
  const prev = index > 0 ? steps[index - 1] : undefined;
  return [
    execute(t.report.next, verbs.reportStep, { draftId: view.draftId, step: view.step }, { style: 'positive' }),
    ...(prev ? [execute(t.report.back, verbs.reportGoTo, { draftId: view.draftId, from: view.step, step: prev })] : []),
    execute(t.report.saveLater, verbs.reportLater, { draftId: view.draftId, from: view.step }),
    execute(t.report.discard, verbs.reportDiscard, { draftId: view.draftId }, { associatedInputs: 'none' }),
  ];
}

/** One step of the report, with the values typed so far and any error next to its field. */
export function reportStepCard(view: StepView, t: Strings): Card {
  const v = view.values;
  const e = (field: string) => errorText(view.errors[field], t);
  const r = t.report;
  switch (view.step) {
    case 'acute':
      return card(
        [
          ...header(view, t),
          text(r.dutyNow),
          text(r.acute.question, { weight: 'Bolder', size: 'Large' }),
          e('immediateDanger') && text(e('immediateDanger')!, { color: 'Attention' }),
        ],
        [
          execute(r.acute.yes, verbs.reportStep, { draftId: view.draftId, step: 'acute', immediateDanger: 'yes' }, { style: 'destructive', associatedInputs: 'none' }),
          execute(r.acute.no, verbs.reportStep, { draftId: view.draftId, step: 'acute', immediateDanger: 'no' }, { associatedInputs: 'none' }),
          execute(r.discard, verbs.reportDiscard, { draftId: view.draftId }, { associatedInputs: 'none' }),
        ],
      );
    case 'child':
      return card(
        [
          ...header(view, t),
          view.acute && acuteBanner(view.acute, t),
          text(r.child.intro, { subtle: true }),
          ...textInput({ id: 'childName', label: r.child.name, value: str(v.childName), isRequired: true, errorMessage: r.errors.required, maxLength: limits.short, error: e('childName') }),
          ...textInput({ id: 'pnr', label: r.child.pnr, value: str(v.pnr), placeholder: r.child.pnrPlaceholder, maxLength: limits.pnr, error: e('pnr') }),
          ...textInput({ id: 'birthDate', label: r.child.birthDate, value: str(v.birthDate), placeholder: 'ÅÅÅÅ-MM-DD', maxLength: 10, error: e('birthDate') }),
          ...choiceInput({ id: 'schoolId', label: r.child.school, choices: view.schools.map((s) => [s.name, s.id]), value: str(v.schoolId), isRequired: true, errorMessage: r.errors.unknownSchool, error: e('schoolId') }),
          ...textInput({ id: 'className', label: r.child.className, value: str(v.className), maxLength: limits.className, error: e('className') }),
          ...textInput({ id: 'address', label: r.child.address, value: str(v.address), maxLength: limits.address, error: e('address') }),
          ...textInput({ id: 'language', label: r.child.language, value: str(v.language), maxLength: limits.short, error: e('language') }),
          ...toggleInput({ id: 'interpreter', label: r.child.interpreter, title: r.child.interpreterTitle, value: v.interpreter === true || v.interpreter === 'true' }),
        ],
        navigation(view, t),
      );
    case 'guardians':
      return card(
        [
          ...header(view, t),
          container([text(r.guardians.warning)], { style: 'warning' }),
          ...textInput({ id: 'guardians', label: r.guardians.who, value: str(v.guardians), multiline: true, isRequired: true, errorMessage: r.errors.required, maxLength: limits.guardians, error: e('guardians') }),
          ...choiceInput({
            id: 'informed',
            label: r.guardians.informed,
            expanded: true,
            choices: [
              [r.guardians.informedYes, 'yes'],
              [r.guardians.informedNoSensitive, 'noSensitive'],
              [r.guardians.informedNotYet, 'notYet'],
              [r.guardians.informedNoOther, 'noOther'],
            ],
            value: str(v.informed),
            isRequired: true,
            errorMessage: r.errors.required,
            error: e('informed'),
          }),
          ...textInput({ id: 'notInformedReason', label: r.guardians.reason, value: str(v.notInformedReason), multiline: true, maxLength: limits.reason, error: e('notInformedReason') }),
        ],
        navigation(view, t),
      );
    case 'concern':
      return card(
        [
          ...header(view, t),
          ...choiceInput({
            id: 'category',
            label: r.concern.category,
            choices: (Object.keys(r.concern.categories) as Category[]).map((c) => [r.concern.categories[c], c]),
            value: str(v.category),
            isRequired: true,
            errorMessage: r.errors.required,
            error: e('category'),
          }),
          text(r.concern.observedHelp, { subtle: true }),
          ...textInput({ id: 'observed', label: r.concern.observed, value: str(v.observed), multiline: true, isRequired: true, errorMessage: r.errors.required, maxLength: limits.observed, error: e('observed') }),
          ...textInput({ id: 'when', label: r.concern.when, value: str(v.when), isRequired: true, errorMessage: r.errors.required, maxLength: limits.when, error: e('when') }),
          ...textInput({ id: 'childWords', label: r.concern.childWords, value: str(v.childWords), multiline: true, maxLength: limits.childWords, error: e('childWords') }),
          ...textInput({ id: 'schoolActions', label: r.concern.schoolActions, value: str(v.schoolActions), multiline: true, maxLength: limits.schoolActions, error: e('schoolActions') }),
        ],
        navigation(view, t),
      );
    case 'reporter':
      return card(
        [
          ...header(view, t),
          container([text(r.reporter.duty, { weight: 'Bolder' })], { style: 'emphasis' }),
          ...textInput({ id: 'reporterName', label: r.reporter.name, value: str(v.reporterName), isRequired: true, errorMessage: r.errors.required, maxLength: limits.short, error: e('reporterName') }),
          ...textInput({ id: 'reporterRole', label: r.reporter.role, value: str(v.reporterRole), placeholder: r.reporter.rolePlaceholder, isRequired: true, errorMessage: r.errors.required, maxLength: limits.short, error: e('reporterRole') }),
          ...textInput({ id: 'reporterPhone', label: r.reporter.phone, value: str(v.reporterPhone), style: 'Tel', isRequired: true, errorMessage: r.errors.required, maxLength: limits.phone, error: e('reporterPhone') }),
          ...textInput({ id: 'reporterEmail', label: r.reporter.email, value: str(v.reporterEmail), style: 'Email', maxLength: limits.email, error: e('reporterEmail') }),
          text(r.reporter.informantIntro, { subtle: true }),
          ...textInput({ id: 'informantName', label: r.reporter.informantName, value: str(v.informantName), maxLength: limits.short, error: e('informantName') }),
          ...textInput({ id: 'informantRole', label: r.reporter.informantRole, value: str(v.informantRole), maxLength: limits.short, error: e('informantRole') }),
          ...textInput({ id: 'informantContact', label: r.reporter.informantContact, value: str(v.informantContact), maxLength: limits.short, error: e('informantContact') }),
          ...choiceInput({ id: 'principalKnows', label: r.reporter.principalKnows, expanded: true, choices: [[t.yes, 'yes'], [t.no, 'no']], value: str(v.principalKnows), isRequired: true, errorMessage: r.errors.required, error: e('principalKnows') }),
          text(r.reporter.identity, { subtle: true, size: 'Small' }),
        ],
        navigation(view, t),
      );
    case 'wishes':
      return card(
        [
          ...header(view, t),
          ...toggleInput({ id: 'feedbackWanted', label: r.wishes.feedbackLabel, title: r.wishes.feedback, value: v.feedbackWanted === undefined ? true : v.feedbackWanted === true || v.feedbackWanted === 'true' }),
          text(r.wishes.feedbackInfo, { subtle: true, size: 'Small' }),
          ...toggleInput({ id: 'jointMeeting', label: r.wishes.meetingLabel, title: r.wishes.meeting, value: v.jointMeeting === true || v.jointMeeting === 'true' }),
          text(r.wishes.meetingInfo, { subtle: true, size: 'Small' }),
        ],
        navigation(view, t),
      );
  }
}

/** Everything the teacher entered, in plain text runs (never markdown). */
export interface ReviewView {
  draftId: string;
  acute?: AcuteView;
  sections: Array<{ step: Step; title: string; rows: Array<[string, string | undefined]> }>;
  guardiansWarning: boolean;
}

const SHORT = 600;
export const shorten = (value: string | undefined, t: Strings): string | undefined =>
  value && value.length > SHORT ? `${value.slice(0, SHORT)}… ${t.report.review.shortened}` : value;

export function reviewCard(view: ReviewView, t: Strings): Card {
  return card(
    [
      text(t.report.title, { subtle: true }),
      heading(t.report.review.title, 'Large'),
      view.acute && acuteBanner(view.acute, t),
      text(t.report.review.intro),
      view.guardiansWarning && container([text(t.report.review.guardiansWarning, { weight: 'Bolder' })], { style: 'warning' }),
      ...view.sections.map((s) =>
        container(
          [
            text(s.title, { weight: 'Bolder' }),
            userFacts(s.rows.map(([label, value]) => [label, shorten(value, t)])),
            actionSet([execute(t.report.review.edit, verbs.reportGoTo, { draftId: view.draftId, step: s.step }, { associatedInputs: 'none' })]),
          ],
          { separator: true },
        ),
      ),
    ],
    [
      execute(t.report.review.send, verbs.reportSubmit, { draftId: view.draftId }, { style: 'positive', associatedInputs: 'none' }),
      execute(t.report.saveLater, verbs.reportLater, { draftId: view.draftId }, { associatedInputs: 'none' }),
      execute(t.report.discard, verbs.reportDiscard, { draftId: view.draftId }, { associatedInputs: 'none' }),
    ],
  );
}

export function discardConfirmCard(draftId: string, t: Strings): Card {
  return card(
    [heading(t.report.discard), text(t.report.discardQuestion)],
    [
      execute(t.report.discardConfirm, verbs.reportDiscardConfirm, { draftId }, { style: 'destructive' }),
      execute(t.back, verbs.reportResume, { draftId }),
    ],
  );
}

export interface ReceiptView {
  reference: string;
  sentAt: Date;
  unitName: string;
  feedbackWanted: boolean;
  already: boolean;
  /** Sent outside the intake unit's office hours: read on the next working day; socialjouren's number. */
  afterHours?: { onCallPhone: string; acute?: boolean };
}

export function receiptCard(view: ReceiptView, t: Strings): Card {
  const r = t.report.receipt;
  return card(
    [
      view.already && text(r.already, { color: 'Warning' }),
      heading(r.title(view.reference), 'Large'),
      facts([
        [r.sentAt, t.dateTime(view.sentAt)],
        [r.to, view.unitName],
      ]),
      text(r.next, { weight: 'Bolder' }),
      ...r.nextSteps.map((s) => text(`• ${s}`)),
      view.afterHours &&
        container([text(view.afterHours.acute ? r.afterHoursAcute(view.afterHours.onCallPhone) : r.afterHours(view.afterHours.onCallPhone), { weight: 'Bolder' })], { style: view.afterHours.acute ? 'attention' : 'warning' }),
      text(view.feedbackWanted ? r.feedbackYes : r.feedbackNo),
      text(r.secrecy, { subtle: true, size: 'Small' }),
    ],
    [execute(r.sibling, verbs.reportSibling, { reference: view.reference }), execute(t.menu, verbs.welcome)],
  );
}

export interface DraftsView {
  drafts: Array<{ id: string; step: string; updatedAt: Date }>;
}

/**
 * The channel card: what triage needs, and no more. IntakeView has no field for the child, so the
 * card cannot show one.
 */
export interface IntakeView {
  reference: string;
  schoolName: string;
  schoolType: 'municipal' | 'independent';
  districtName: string;
  category: Category;
  acute: boolean;
  receivedAt: Date;
  protectionDueAt: Date;
  decisionDueAt: Date;
  feedbackWanted: boolean;
  meetingWanted: boolean;
  /** Arrived outside the intake unit's office hours (as stored when it arrived). */
  outOfHours?: boolean;
}

/**
 * `clocksShown`: the caller shows the deadlines itself (the intake card's "Tidsfrister"), so the
 * facts leave them out: each deadline appears once.
 */
export function intakeReportCard(view: IntakeView, t: Strings, extra: { body?: Element[]; actions?: Action[]; clocksShown?: boolean } = {}): Card {
  const c = t.report.channel;
  return card(
    [
      heading(c.title(view.reference), 'Large'),
      // Teams' own style for the container, the default text colour in it: readable in light, dark
      // and high-contrast themes (a coloured text on a container of the same colour is not).
      view.acute && container([text(c.acute, { weight: 'Bolder' })], { style: 'attention' }),
      facts([
        [c.school, `${view.schoolName} (${view.schoolType === 'independent' ? c.independent : c.municipal})`],
        [c.district, view.districtName],
        [c.category, t.report.concern.categories[view.category]],
        [c.received, `${t.dateTime(view.receivedAt)}${view.outOfHours ? ` (${c.outOfHours})` : ''}`],
        ...(extra.clocksShown
          ? []
          : ([
              [c.protectionDue, view.acute ? c.protectionNow : t.dateTime(view.protectionDueAt)],
              [c.decisionDue, t.date(view.decisionDueAt)],
            ] as Array<[string, string]>)),
      ]),
      view.feedbackWanted && text(`✔ ${c.feedbackWanted}`),
      view.meetingWanted && text(`✔ ${c.meetingWanted}`),
      ...(extra.body ?? []),
      text(c.note, { subtle: true, size: 'Small' }),
    ],
    [taskFetch(c.open, verbs.reportOpen, { reference: view.reference }), ...(extra.actions ?? [])],
  );
}

/** Opens a dialog (task module): Teams sends task/fetch with this data. */
export function taskFetch(title: string, verb: string, data: Record<string, unknown>): Action {
  return { type: 'Action.Submit', title, data: { ...data, verb, msteams: { type: 'task/fetch' } } };
}

export interface FullReportView {
  reference: string;
  receivedAt: Date;
  sections: Array<{ title: string; rows: Array<[string, string | undefined]> }>;
  earlier: Array<{ reference: string; receivedAt: Date }>;
  /** How many days after the decision Värna purges a report (and with it the link to the child). */
  purgeDays: number;
  exportJsonUrl?: string;
  exportPdfUrl?: string;
  truncated: boolean;
}

/** The full report, in a dialog, for intake members only. Long texts are cut to keep the card small. */
export function fullReportCard(view: FullReportView, t: Strings): Card {
  const f = t.report.full;
  return card(
    [
      heading(f.title(view.reference), 'Large'),
      facts([[t.report.channel.received, t.dateTime(view.receivedAt)]]),
      view.earlier.length > 0 &&
        container(
          [text(f.earlier(view.earlier.length, view.purgeDays), { weight: 'Bolder' }), ...view.earlier.map((e) => text(`${e.reference} – ${t.date(e.receivedAt)}`))],
          { style: 'warning' },
        ),
      ...view.sections.map((s) => container([text(s.title, { weight: 'Bolder' }), userFacts(s.rows)], { separator: true })),
      view.truncated && text(f.truncated, { subtle: true }),
    ],
    [...(view.exportJsonUrl ? [openUrl(f.exportJson, view.exportJsonUrl)] : []), ...(view.exportPdfUrl ? [openUrl(f.exportPdf, view.exportPdfUrl)] : [])],
  );
}

export { userText };
