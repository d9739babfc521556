import type { Category, FieldErrors, Page } from '../services/reports/model';
import { limits, pages } from '../services/reports/model';
import {
  actionSet,
  card,
  choiceInput,
  container,
  execute,
  facts,
  heading,
  openUrl,
  showCard,
  text,
  textInput,
  toggle,
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

/** Card 1 or 2 of the form, with the values typed so far and any error next to its field. */
export interface PageView {
  draftId: string;
  page: 'childPage' | 'concernPage';
  values: Values;
  errors: FieldErrors;
  schools: Array<{ id: string; name: string }>;
  /** The numbers to call, shown with the acute question on the first card (by the unit's office hours). */
  contacts: AcuteView;
  /** Shown at the top when the teacher said the child is in immediate danger. */
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

const total = pages.length;

function header(page: Page, t: Strings): Element[] {
  return [text(t.report.title, { subtle: true }), heading(t.report.stepOf(pages.indexOf(page) + 1, total, t.report.pageNames[page]))];
}

export function acuteBanner(a: AcuteView, t: Strings): Element {
  return container(
    [
      text(t.report.acute.call112, { weight: 'Bolder', size: 'Large' }),
      text(a.open ? t.report.acute.phoneOpen(a.intakeName, a.intakePhone) : t.report.acute.phoneClosed(a.onCallPhone), {
        weight: 'Bolder',
      }),
      text(t.report.acute.followUp),
    ],
    { style: 'attention' },
  );
}

/** The duty texts, one press away on every card of the form, without leaving it (SoL (2025:400) 19 kap. 1 §). */
function aboutDuty(t: Strings): Action {
  const r = t.report;
  return showCard(r.aboutDuty, [
    text(r.dutyNow),
    text(r.reporter.duty),
    text(r.guardians.warning),
    text(r.reporter.identity, { subtle: true, size: 'Small' }),
  ]);
}

/** A part of the card shown on "Fler uppgifter" / "Ändra": open when it holds an error or (`open`) a value. */
function collapsible(id: string, title: string, items: Element[], open: boolean): Element[] {
  return [actionSet([toggle(title, [id])]), container(items, { id, visible: open })];
}

const filled = (v: Values, fields: string[]) =>
  fields.some((f) => {
    const x = v[f];
    return x === true || x === 'true' || (typeof x === 'string' && x !== '' && x !== 'false');
  });
const hasError = (errors: FieldErrors, fields: string[]) => fields.some((f) => errors[f]);

/** Card 1 and 2 of the form. Inputs stack in one column: usable on Teams mobile. */
export function reportPageCard(view: PageView, t: Strings): Card {
  const v = view.values;
  const e = (field: string) => errorText(view.errors[field], t);
  const r = t.report;
  const next = execute(r.next, verbs.reportStep, { draftId: view.draftId, step: view.page }, { style: 'positive' });
  const later = execute(r.saveLater, verbs.reportLater, { draftId: view.draftId, from: view.page });
  const discard = execute(r.discard, verbs.reportDiscard, { draftId: view.draftId }, { associatedInputs: 'none' });
  if (view.page === 'childPage') {
    const c = view.contacts;
    const optional = ['className', 'address', 'language', 'interpreter'];
    return card(
      [
        ...header('childPage', t),
        text(r.dutyNow, { subtle: true }),
        view.acute
          ? acuteBanner(view.acute, t)
          : container(
              [
                text(c.open ? r.acute.numbersOpen(c.intakeName, c.intakePhone) : r.acute.numbersClosed(c.onCallPhone), {
                  weight: 'Bolder',
                }),
              ],
              { style: 'attention' },
            ),
        ...choiceInput({
          id: 'immediateDanger',
          label: r.acute.question,
          expanded: true,
          choices: [
            [r.acute.choiceYes, 'yes'],
            [r.acute.no, 'no'],
          ],
          value: str(v.immediateDanger),
          isRequired: true,
          errorMessage: r.errors.required,
          error: e('immediateDanger'),
        }),
        container([text(r.child.intro, { subtle: true })], { separator: true }),
        ...textInput({
          id: 'childName',
          label: r.child.name,
          value: str(v.childName),
          isRequired: true,
          errorMessage: r.errors.required,
          maxLength: limits.short,
          error: e('childName'),
        }),
        ...textInput({
          id: 'pnr',
          label: r.child.pnr,
          value: str(v.pnr),
          placeholder: r.child.pnrPlaceholder,
          maxLength: limits.pnr,
          error: e('pnr'),
        }),
        ...textInput({
          id: 'birthDate',
          label: r.child.birthDate,
          value: str(v.birthDate),
          placeholder: 'ÅÅÅÅ-MM-DD',
          maxLength: 10,
          error: e('birthDate'),
        }),
        ...choiceInput({
          id: 'schoolId',
          label: r.child.school,
          choices: view.schools.map((s) => [s.name, s.id]),
          value: str(v.schoolId),
          isRequired: true,
          errorMessage: r.errors.unknownSchool,
          error: e('schoolId'),
        }),
        ...collapsible(
          'moreChild',
          r.more,
          [
            ...textInput({
              id: 'className',
              label: r.child.className,
              value: str(v.className),
              maxLength: limits.className,
              error: e('className'),
            }),
            ...textInput({ id: 'address', label: r.child.address, value: str(v.address), maxLength: limits.address, error: e('address') }),
            ...textInput({
              id: 'language',
              label: r.child.language,
              value: str(v.language),
              maxLength: limits.short,
              error: e('language'),
            }),
            ...toggleInput({
              id: 'interpreter',
              label: r.child.interpreter,
              title: r.child.interpreterTitle,
              value: v.interpreter === true || v.interpreter === 'true',
            }),
          ],
          filled(v, optional) || hasError(view.errors, optional),
        ),
      ],
      [next, aboutDuty(t), later, discard],
    );
  }
  const optional = ['schoolActions', 'notInformedReason'];
  return card(
    [
      ...header('concernPage', t),
      view.acute && acuteBanner(view.acute, t),
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
      ...textInput({
        id: 'observed',
        label: r.concern.observed,
        value: str(v.observed),
        multiline: true,
        isRequired: true,
        errorMessage: r.errors.required,
        maxLength: limits.observed,
        error: e('observed'),
      }),
      ...textInput({
        id: 'when',
        label: r.concern.when,
        value: str(v.when),
        isRequired: true,
        errorMessage: r.errors.required,
        maxLength: limits.when,
        error: e('when'),
      }),
      ...textInput({
        id: 'childWords',
        label: r.concern.childWords,
        value: str(v.childWords),
        multiline: true,
        maxLength: limits.childWords,
        error: e('childWords'),
      }),
      container([text(r.guardians.warning)], { style: 'warning', separator: true }),
      ...textInput({
        id: 'guardians',
        label: r.guardians.who,
        value: str(v.guardians),
        multiline: true,
        isRequired: true,
        errorMessage: r.errors.required,
        maxLength: limits.guardians,
        error: e('guardians'),
      }),
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
      ...collapsible(
        'moreConcern',
        r.more,
        [
          ...textInput({
            id: 'notInformedReason',
            label: r.guardians.reason,
            value: str(v.notInformedReason),
            multiline: true,
            maxLength: limits.reason,
            error: e('notInformedReason'),
          }),
          ...textInput({
            id: 'schoolActions',
            label: r.concern.schoolActions,
            value: str(v.schoolActions),
            multiline: true,
            maxLength: limits.schoolActions,
            error: e('schoolActions'),
          }),
        ],
        filled(v, optional) || hasError(view.errors, optional),
      ),
    ],
    [
      next,
      execute(r.back, verbs.reportGoTo, { draftId: view.draftId, from: 'concernPage', step: 'childPage' }),
      aboutDuty(t),
      later,
      discard,
    ],
  );
}

/** Card 3: what the teacher entered, in plain text runs (never markdown), the reporter and the wishes, and *Skicka*. */
export interface ReviewView {
  draftId: string;
  acute?: AcuteView;
  sections: Array<{ page?: Page; title?: string; rows: Array<[string, string | undefined]> }>;
  guardiansWarning: boolean;
  /** The reporter's and wishes' inputs (prefilled), and their errors after a press of *Skicka*. */
  values: Values;
  errors: FieldErrors;
}

const SHORT = 600;
export const shorten = (value: string | undefined, t: Strings): string | undefined =>
  value && value.length > SHORT ? `${value.slice(0, SHORT)}… ${t.report.review.shortened}` : value;

const reporterFields = ['reporterName', 'reporterRole', 'reporterPhone', 'reporterEmail'];
const informantFields = ['informantName', 'informantRole', 'informantContact'];

export function reviewCard(view: ReviewView, t: Strings): Card {
  const r = t.report;
  const v = view.values;
  const e = (field: string) => errorText(view.errors[field], t);
  const flag = (x: string | boolean | undefined, preset: boolean) => (x === undefined ? preset : x === true || x === 'true');
  const feedback = flag(v.feedbackWanted, true);
  const meeting = flag(v.jointMeeting, false);
  // The reporter is shown as one line while it is complete; open with "Ändra", and open by itself
  // when something is missing (a first report: no phone yet) or wrong.
  const reporterOpen = hasError(view.errors, reporterFields) || !str(v.reporterName) || !str(v.reporterRole) || !str(v.reporterPhone);
  const summary = [str(v.reporterName), str(v.reporterRole), str(v.reporterPhone), str(v.reporterEmail)].filter(Boolean).join(' · ');
  return card(
    [
      ...header('sendPage', t),
      view.acute && acuteBanner(view.acute, t),
      text(r.review.intro),
      view.guardiansWarning && container([text(r.review.guardiansWarning, { weight: 'Bolder' })], { style: 'warning' }),
      ...view.sections.map((s) =>
        container(
          [
            s.title && text(s.title, { weight: 'Bolder' }),
            userFacts(s.rows.map(([label, value]) => [label, shorten(value, t)])),
            s.page && actionSet([execute(r.review.edit, verbs.reportGoTo, { draftId: view.draftId, from: 'sendPage', step: s.page })]),
          ],
          { separator: true },
        ),
      ),
      container(
        [
          text(r.stepNames.reporter, { weight: 'Bolder' }),
          summary && userText(summary),
          !reporterOpen && text(r.reporter.prefilled, { subtle: true, size: 'Small' }),
          ...collapsible(
            'reporterFields',
            r.review.edit,
            [
              ...textInput({
                id: 'reporterName',
                label: r.reporter.name,
                value: str(v.reporterName),
                isRequired: true,
                errorMessage: r.errors.required,
                maxLength: limits.short,
                error: e('reporterName'),
              }),
              ...textInput({
                id: 'reporterRole',
                label: r.reporter.role,
                value: str(v.reporterRole),
                placeholder: r.reporter.rolePlaceholder,
                isRequired: true,
                errorMessage: r.errors.required,
                maxLength: limits.short,
                error: e('reporterRole'),
              }),
              ...textInput({
                id: 'reporterPhone',
                label: r.reporter.phone,
                value: str(v.reporterPhone),
                style: 'Tel',
                isRequired: true,
                errorMessage: r.errors.required,
                maxLength: limits.phone,
                error: e('reporterPhone'),
              }),
              ...textInput({
                id: 'reporterEmail',
                label: r.reporter.email,
                value: str(v.reporterEmail),
                style: 'Email',
                maxLength: limits.email,
                error: e('reporterEmail'),
              }),
            ],
            reporterOpen,
          ),
          ...collapsible(
            'informant',
            r.reporter.informantToggle,
            [
              text(r.reporter.informantIntro, { subtle: true }),
              ...textInput({
                id: 'informantName',
                label: r.reporter.informantName,
                value: str(v.informantName),
                maxLength: limits.short,
                error: e('informantName'),
              }),
              ...textInput({
                id: 'informantRole',
                label: r.reporter.informantRole,
                value: str(v.informantRole),
                maxLength: limits.short,
                error: e('informantRole'),
              }),
              ...textInput({
                id: 'informantContact',
                label: r.reporter.informantContact,
                value: str(v.informantContact),
                maxLength: limits.short,
                error: e('informantContact'),
              }),
            ],
            filled(v, informantFields) || hasError(view.errors, informantFields),
          ),
          ...choiceInput({
            id: 'principalKnows',
            label: r.reporter.principalKnows,
            expanded: true,
            choices: [
              [t.yes, 'yes'],
              [t.no, 'no'],
            ],
            value: str(v.principalKnows),
            isRequired: true,
            errorMessage: r.errors.required,
            error: e('principalKnows'),
          }),
          text(r.reporter.duty, { subtle: true, size: 'Small' }),
        ],
        { separator: true },
      ),
      container(
        [
          text(r.stepNames.wishes, { weight: 'Bolder' }),
          text(r.wishes.summary(feedback, meeting)),
          ...collapsible(
            'wishesFields',
            r.review.edit,
            [
              ...toggleInput({ id: 'feedbackWanted', label: r.wishes.feedbackLabel, title: r.wishes.feedback, value: feedback }),
              text(r.wishes.feedbackInfo, { subtle: true, size: 'Small' }),
              ...toggleInput({ id: 'jointMeeting', label: r.wishes.meetingLabel, title: r.wishes.meeting, value: meeting }),
              text(r.wishes.meetingInfo, { subtle: true, size: 'Small' }),
            ],
            false,
          ),
        ],
        { separator: true },
      ),
      text(r.reporter.identity, { subtle: true, size: 'Small' }),
    ],
    [
      execute(r.review.send, verbs.reportSubmit, { draftId: view.draftId }, { style: 'positive' }),
      aboutDuty(t),
      execute(r.saveLater, verbs.reportLater, { draftId: view.draftId, from: 'sendPage' }),
      execute(r.discard, verbs.reportDiscard, { draftId: view.draftId }, { associatedInputs: 'none' }),
    ],
  );
}

/** The teacher's note when the channel card has not arrived in time: phone the intake unit. */
export function deliveryDelayedCard(v: { reference: string; unitName: string; unitPhone: string }, t: Strings): Card {
  return card([text(t.report.delayed(v.reference, v.unitName, v.unitPhone), { color: 'Attention', weight: 'Bolder' })]);
}

/** "Spara till senare": the draft is kept; resume it or go to the menu. */
export function savedCard(draftId: string, t: Strings): Card {
  return card(
    [heading(t.report.title), text(t.report.saved, { weight: 'Bolder' })],
    [execute(t.report.menu.resume, verbs.reportResume, { draftId }), execute(t.menu, verbs.welcome)],
  );
}

/** The draft is thrown away. */
export function discardedCard(t: Strings): Card {
  return card([heading(t.report.title), text(t.report.discarded)], [execute(t.menu, verbs.welcome)]);
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
        container(
          [
            text(view.afterHours.acute ? r.afterHoursAcute(view.afterHours.onCallPhone) : r.afterHours(view.afterHours.onCallPhone), {
              weight: 'Bolder',
            }),
          ],
          { style: view.afterHours.acute ? 'attention' : 'warning' },
        ),
      text(view.feedbackWanted ? r.feedbackYes : r.feedbackNo),
      text(r.secrecy, { subtle: true, size: 'Small' }),
    ],
    // Both open a new message below: the receipt is never replaced.
    [execute(r.sibling, verbs.reportSibling, { reference: view.reference }), execute(t.menu, verbs.welcome, { below: true })],
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
export function intakeReportCard(
  view: IntakeView,
  t: Strings,
  extra: { body?: Element[]; actions?: Action[]; clocksShown?: boolean } = {},
): Card {
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
  sections: Array<{ title?: string; rows: Array<[string, string | undefined]> }>;
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
          [
            text(f.earlier(view.earlier.length, view.purgeDays), { weight: 'Bolder' }),
            ...view.earlier.map((e) => text(`${e.reference} – ${t.date(e.receivedAt)}`)),
          ],
          { style: 'warning' },
        ),
      ...view.sections.map((s) => container([s.title && text(s.title, { weight: 'Bolder' }), userFacts(s.rows)], { separator: true })),
      view.truncated && text(f.truncated, { subtle: true }),
    ],
    [
      ...(view.exportJsonUrl ? [openUrl(f.exportJson, view.exportJsonUrl)] : []),
      ...(view.exportPdfUrl ? [openUrl(f.exportPdf, view.exportPdfUrl)] : []),
    ],
  );
}

export { userText };
