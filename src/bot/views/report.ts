import type { Strings } from '../../cards/i18n';
import { reportPageCard, reviewCard, type AcuteView, type FullReportView, type ReceiptView } from '../../cards/report';
import { isOpen } from '../../services/office-hours';
import {
  doNotInformGuardians,
  pageOf,
  pageSteps,
  type Category,
  type DraftContent,
  type Page,
  type ReportContent,
  type Step,
} from '../../services/reports/model';
import type { Draft, Report } from '../../services/reports';
import type { Services } from '../../services';

const asValues = (o: object | undefined): Record<string, string | boolean | undefined> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean')) as Record<
    string,
    string | boolean | undefined
  >;

export function acuteViewFor(s: Services, content: DraftContent): AcuteView | undefined {
  if (content.acute?.immediateDanger !== 'yes') return undefined;
  return contactsOf(s, content);
}

function contactsOf(s: Services, content: DraftContent): AcuteView {
  const schoolId =
    content.child?.schoolId ?? (typeof content.prefill?.child?.schoolId === 'string' ? content.prefill.child.schoolId : undefined);
  const c = s.contactsFor(schoolId);
  return { open: c.open, intakeName: c.intakeName, intakePhone: c.intakePhone, onCallPhone: c.onCallPhone };
}

type Rows = Array<[string, string | undefined]>;

/**
 * The report as statements, for the review (card 3) and intake's full report: "Vårdnadshavarna vet
 * om anmälan: Nej", never a question with a colon after it. The acute answer is its own line.
 */
export function sectionsOf(content: Partial<ReportContent>, t: Strings, s: Services, full: boolean) {
  const r = t.report;
  const f = r.facts;
  const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? t.yes : t.no);
  const informed = (v: string | undefined) =>
    v === 'yes'
      ? r.full.informedYes
      : v === 'noSensitive'
        ? r.full.notInformedSensitive
        : v === 'notYet'
          ? full
            ? r.full.notInformedNotYet
            : r.guardians.informedNotYet
          : v === 'noOther'
            ? r.full.notInformedOther
            : undefined;
  const child = content.child;
  const g = content.guardians;
  const c = content.concern;
  const rep = content.reporter;
  const w = content.wishes;
  const informant = [rep?.informantName, rep?.informantRole, rep?.informantContact].filter(Boolean).join(', ');
  const acute = content.acute ? (content.acute.immediateDanger === 'yes' ? r.review.acuteYes : r.review.acuteNo) : undefined;
  return [
    { page: 'childPage' as Page, title: undefined, rows: [[f.acute, acute]] as Rows },
    {
      page: 'childPage' as Page,
      title: full ? r.full.child : r.stepNames.child,
      rows: [
        [f.name, child?.childName],
        [f.pnr, child?.pnr],
        [f.birthDate, child?.birthDate],
        [f.school, child?.schoolId ? s.directory.school(child.schoolId)?.name : undefined],
        [f.className, child?.className],
        [f.address, child?.address],
        [f.language, child?.language],
        [f.interpreter, child?.interpreter ? t.yes : undefined],
      ] as Rows,
    },
    {
      page: 'concernPage' as Page,
      title: r.stepNames.concern,
      rows: [
        [f.category, c?.category ? r.concern.categories[c.category] : undefined],
        [f.observed, c?.observed],
        [f.when, c?.when],
        [f.childWords, c?.childWords],
        [f.schoolActions, c?.schoolActions],
      ] as Rows,
    },
    {
      page: 'concernPage' as Page,
      title: r.stepNames.guardians,
      rows: [
        [f.guardians, g?.guardians],
        [f.informed, informed(g?.informed)],
        [f.reason, g?.notInformedReason],
      ] as Rows,
    },
    {
      page: 'sendPage' as Page,
      title: full ? r.full.reporter : r.stepNames.reporter,
      rows: [
        [f.name, rep?.reporterName],
        [f.role, rep?.reporterRole],
        [f.phone, rep?.reporterPhone],
        [f.email, rep?.reporterEmail],
        [r.fields.informant, informant || undefined],
        [f.principalKnows, rep?.principalKnows ? (rep.principalKnows === 'yes' ? t.yes : t.no) : undefined],
      ] as Rows,
    },
    {
      page: 'sendPage' as Page,
      title: full ? r.full.wishes : r.stepNames.wishes,
      rows: [
        [f.feedback, yesNo(w?.feedbackWanted)],
        [f.meeting, yesNo(w?.jointMeeting)],
      ] as Rows,
    },
  ];
}

/** The card for where the draft stands: card 1, 2 or 3 (the review with the reporter, the wishes and *Skicka*). */
export function draftCard(s: Services, draft: Draft, t: Strings, errors: Record<string, string> = {}) {
  const schools = s.config.municipality.schools.map((x) => ({ id: x.id, name: x.name }));
  const c = draft.content;
  const valuesOf = (list: readonly Step[]) =>
    Object.assign({}, ...list.map((step) => ({ ...asValues(c[step]), ...asValues(c.prefill?.[step]) }))) as Record<
      string,
      string | boolean | undefined
    >;
  const page = pageOf(draft.step);
  if (page === 'sendPage') {
    const sensitive = !!c.concern && doNotInformGuardians.has(c.concern.category as Category);
    return reviewCard(
      {
        draftId: draft.id,
        acute: acuteViewFor(s, c),
        // The reporter and the wishes are the card's own inputs, not review lines.
        sections: sectionsOf(c as Partial<ReportContent>, t, s, false).filter((sec) => sec.page !== 'sendPage'),
        guardiansWarning: sensitive && c.guardians?.informed === 'yes',
        values: valuesOf(pageSteps.sendPage),
        errors,
      },
      t,
    );
  }
  return reportPageCard(
    { draftId: draft.id, page, values: valuesOf(pageSteps[page]), errors, schools, contacts: contactsOf(s, c), acute: acuteViewFor(s, c) },
    t,
  );
}

/** Dialog cards stay under Teams' size limits: long texts are cut there; the export has them whole. */
const DIALOG_TEXT = 3000;

/** The teacher's receipt: the reference, where it went, and the on-call number outside office hours. */
export function receiptViewOf(s: Services, report: Report, created: boolean): ReceiptView {
  const unit = s.directory.intakeUnit(report.intakeUnitId);
  const receivedAt = report.receivedAt;
  const afterHours =
    unit && !isOpen(unit, receivedAt) ? { onCallPhone: unit.onCallPhone, ...(report.acute ? { acute: true } : {}) } : undefined;
  return {
    reference: report.reference,
    sentAt: receivedAt,
    unitName: unit?.name ?? '',
    feedbackWanted: report.feedbackRequested,
    already: !created,
    ...(afterHours ? { afterHours } : {}),
  };
}

/** The full report for intake's dialog, long texts cut (the export has them whole), with its export links. */
export function fullReportViewOf(
  s: Services,
  opened: { report: Report; content: Partial<ReportContent>; earlier: Array<Pick<Report, 'reference' | 'receivedAt'>> },
  t: Strings,
  exports: { json: string; pdf: string },
): FullReportView {
  const all = sectionsOf(opened.content, t, s, true);
  const sections = all.map((sec) => ({
    ...(sec.title ? { title: sec.title } : {}),
    rows: sec.rows.map(
      ([label, value]) =>
        [label, value && value.length > DIALOG_TEXT ? `${value.slice(0, DIALOG_TEXT)}…` : value] as [string, string | undefined],
    ),
  }));
  const truncated = all.some((sec) => sec.rows.some(([, v]) => (v?.length ?? 0) > DIALOG_TEXT));
  return {
    reference: opened.report.reference,
    receivedAt: opened.report.receivedAt,
    sections,
    earlier: opened.earlier.map((e) => ({ reference: e.reference, receivedAt: e.receivedAt })),
    purgeDays: s.config.municipality.retention.reportDaysAfterHandover,
    truncated,
    exportJsonUrl: exports.json,
    exportPdfUrl: exports.pdf,
  };
}
