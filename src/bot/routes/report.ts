import { z } from 'zod/v4';
import { strings, type Strings } from '../../cards/i18n';
import {
  discardConfirmCard,
  fullReportCard,
  intakeReportCard,
  receiptCard,
  reportStepCard,
  reviewCard,
  type AcuteView,
  type IntakeView,
} from '../../cards/report';
import { card, execute, heading, text } from '../../cards/card';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { NotAllowedError, NotFoundError, ValidationError } from '../../services/errors';
import { isOpen } from '../../services/office-hours';
import { doNotInformGuardians, steps, type Category, type DraftContent, type ReportContent, type Step } from '../../services/report-model';
import { channelCardKind, deliveryDelayedKind, type Draft, type Report } from '../../services/reports';
import type { Services } from '../../services';
import { recordReportMessage } from '../../services/retention';
import type { BotKit } from '../kit';
import { describeError, type Turn } from '../turn';

const DraftRef = z.object({ draftId: z.string().min(1).max(64) }).passthrough();
const StepData = z.object({ draftId: z.string().min(1).max(64), step: z.enum(steps) }).passthrough();
const GoToData = z.object({ draftId: z.string().min(1).max(64), step: z.union([z.enum(steps), z.literal('review')]), from: z.enum(steps).optional() }).passthrough();
const LaterData = z.object({ draftId: z.string().min(1).max(64), from: z.enum(steps).optional() }).passthrough();
const Reference = z.object({ reference: z.string().min(1).max(40) }).passthrough();
const StartData = z.object({ fromConsultation: z.string().max(64).optional() }).passthrough();
const ResumeData = z.object({ draftId: z.string().max(64).optional() }).passthrough();

const asValues = (o: object | undefined): Record<string, string | boolean | undefined> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean')) as Record<string, string | boolean | undefined>;

export function acuteViewFor(s: Services, content: DraftContent): AcuteView | undefined {
  if (content.acute?.immediateDanger !== 'yes') return undefined;
  const c = s.contactsFor(content.child?.schoolId);
  return { open: c.open, intakeName: c.intakeName, intakePhone: c.intakePhone, onCallPhone: c.onCallPhone };
}

function sectionsOf(content: Partial<ReportContent>, t: Strings, s: Services, full: boolean) {
  const r = t.report;
  const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? t.yes : t.no);
  const informed = (v: string | undefined) =>
    v === 'yes' ? r.full.informedYes
    : v === 'noSensitive' ? r.full.notInformedSensitive
    : v === 'notYet' ? r.full.notInformedNotYet
    : v === 'noOther' ? r.full.notInformedOther
    : undefined;
  const child = content.child;
  const g = content.guardians;
  const c = content.concern;
  const rep = content.reporter;
  const w = content.wishes;
  const informant = [rep?.informantName, rep?.informantRole, rep?.informantContact].filter(Boolean).join(', ');
  return [
    {
      step: 'child' as Step,
      title: full ? r.full.child : r.stepNames.child,
      rows: [
        [r.fields.acute, content.acute ? (content.acute.immediateDanger === 'yes' ? r.review.acuteYes : r.review.acuteNo) : undefined],
        [r.child.name, child?.childName],
        [r.child.pnr, child?.pnr],
        [r.child.birthDate, child?.birthDate],
        [r.child.school, child?.schoolId ? s.directory.school(child.schoolId)?.name : undefined],
        [r.child.className, child?.className],
        [r.child.address, child?.address],
        [r.child.language, child?.language],
        [r.child.interpreter, child?.interpreter ? t.yes : undefined],
      ] as Array<[string, string | undefined]>,
    },
    {
      step: 'guardians' as Step,
      title: r.stepNames.guardians,
      rows: [
        [r.guardians.who, g?.guardians],
        [r.guardians.informed, informed(g?.informed)],
        [r.guardians.reason, g?.notInformedReason],
      ] as Array<[string, string | undefined]>,
    },
    {
      step: 'concern' as Step,
      title: r.stepNames.concern,
      rows: [
        [r.concern.category, c?.category ? r.concern.categories[c.category] : undefined],
        [r.concern.observed, c?.observed],
        [r.concern.when, c?.when],
        [r.concern.childWords, c?.childWords],
        [r.concern.schoolActions, c?.schoolActions],
      ] as Array<[string, string | undefined]>,
    },
    {
      step: 'reporter' as Step,
      title: full ? r.full.reporter : r.stepNames.reporter,
      rows: [
        [r.reporter.name, rep?.reporterName],
        [r.reporter.role, rep?.reporterRole],
        [r.reporter.phone, rep?.reporterPhone],
        [r.reporter.email, rep?.reporterEmail],
        [r.fields.informant, informant || undefined],
        [r.fields.principalKnows, rep?.principalKnows ? (rep.principalKnows === 'yes' ? t.yes : t.no) : undefined],
      ] as Array<[string, string | undefined]>,
    },
    {
      step: 'wishes' as Step,
      title: full ? r.full.wishes : r.stepNames.wishes,
      rows: [
        [r.wishes.feedbackLabel, yesNo(w?.feedbackWanted)],
        [r.wishes.meetingLabel, yesNo(w?.jointMeeting)],
      ] as Array<[string, string | undefined]>,
    },
  ];
}

/** The card for where the draft stands: its current step, or the review. */
export function draftCard(s: Services, draft: Draft, t: Strings, errors: Record<string, string> = {}) {
  const schools = s.config.municipality.schools.map((x) => ({ id: x.id, name: x.name }));
  if (draft.step === 'review') {
    const c = draft.content;
    const sensitive = !!c.concern && doNotInformGuardians.has(c.concern.category as Category);
    return reviewCard(
      { draftId: draft.id, acute: acuteViewFor(s, c), sections: sectionsOf(c as Partial<ReportContent>, t, s, false), guardiansWarning: sensitive && c.guardians?.informed === 'yes' },
      t,
    );
  }
  const step = draft.step;
  const values = { ...asValues(draft.content[step]), ...asValues(draft.content.prefill?.[step]) };
  return reportStepCard({ draftId: draft.id, step, values, errors, schools, acute: step === 'child' ? acuteViewFor(s, draft.content) : undefined }, t);
}

export function intakeViewOf(s: Services, report: Report): IntakeView {
  const school = s.directory.school(report.school_id);
  return {
    reference: report.reference,
    schoolName: school?.name ?? report.school_id,
    schoolType: report.school_type,
    districtName: s.directory.district(report.district_id)?.name ?? report.district_id,
    category: report.category as Category,
    acute: report.acute === 1,
    receivedAt: new Date(report.received_at),
    protectionDueAt: new Date(report.protection_due_at),
    decisionDueAt: new Date(report.decision_due_at),
    feedbackWanted: report.feedback_requested === 1,
    meetingWanted: report.joint_meeting_wanted === 1,
    ...(report.out_of_hours === 1 ? { outOfHours: true } : {}),
  };
}

/** Dialog cards stay under Teams' size limits: long texts are cut there; the export has them whole. */
const DIALOG_TEXT = 3000;

/** The report flow in the 1:1 chat, the channel card and the full report for intake. */
export function registerReport(kit: BotKit): void {
  const { s } = kit;
  kit.reportVerb = verbs.reportStart;
  const sv = strings('sv');

  // The menu entry and the welcome card's counter ask in the same turn, with the same actor: one query.
  const draftsOnce = new WeakMap<Actor, ReturnType<typeof s.reports.drafts>>();
  const draftsOf = (actor: Actor) => {
    let drafts = draftsOnce.get(actor);
    if (!drafts) draftsOnce.set(actor, (drafts = s.reports.drafts(actor)));
    return drafts;
  };
  kit.menu.push(async (actor, t) => {
    const drafts = await draftsOf(actor);
    return [
      { title: t.report.menu.report, verb: verbs.reportStart },
      ...(drafts[0] ? [{ title: t.report.menu.resume, verb: verbs.reportResume, data: { draftId: drafts[0].id } }] : []),
    ];
  });
  kit.drafts = async (actor) => (await draftsOf(actor)).length;

  /** Starts a draft, the reporter step prefilled from the teacher's Teams profile (best effort). */
  async function start({ actor, t, teams }: Turn<unknown>, fromConsultation?: string) {
    const consultationText = fromConsultation && kit.consultationText ? await kit.consultationText(actor, fromConsultation) : undefined;
    const draft = await s.reports.start(actor, await teams.profile(), { ...(consultationText ? { consultationText, consultationId: fromConsultation } : {}) });
    return draftCard(s, draft, t);
  }

  // Every step of a report shows the child: the whole flow, its commands and its buttons, runs in
  // the 1:1 chat only (OSL 40 kap. 7 g §); the adapter points anyone elsewhere to that chat.
  const personal = 'personal' as const;
  kit.onCommand('report', { where: personal }, async (turn) => start(turn));

  kit.onAction(verbs.reportStart, { where: personal, data: StartData }, async (turn) => start(turn, turn.data.fromConsultation));

  kit.onAction(verbs.reportResume, { where: personal, data: ResumeData }, async ({ actor, t, data }) => {
    const id = data.draftId ?? (await s.reports.drafts(actor))[0]?.id;
    if (!id) return t.report.errors.draftGone;
    try {
      return draftCard(s, await s.reports.get(actor, id), t);
    } catch (error) {
      if (error instanceof NotFoundError) return t.report.errors.draftGone;
      throw error;
    }
  });

  kit.onAction(verbs.reportStep, { where: personal, data: StepData }, async ({ actor, t, data }) => {
    const { draftId, step, ...raw } = data;
    try {
      const { draft, errors } = await s.reports.saveStep(actor, draftId, step, raw);
      return draftCard(s, draft, t, errors);
    } catch (error) {
      if (error instanceof ValidationError) {
        // Pasted past the field's limit: answer with a message, so the card keeps what was typed.
        const [field, code] = Object.entries(error.fields)[0] ?? [];
        const [, max, length] = (code ?? '').split(':');
        return `${field ? `${fieldLabel(t, field)}: ` : ''}${t.report.errors.tooLong(Number(max), Number(length))}`;
      }
      if (error instanceof NotFoundError) return t.report.errors.draftGone;
      throw error;
    }
  });

  kit.onAction(verbs.reportGoTo, { where: personal, data: GoToData }, async ({ actor, t, data }) => {
    const { draftId, step, from, ...raw } = data;
    if (from) await s.reports.keepValues(actor, draftId, from, raw);
    return draftCard(s, await s.reports.goTo(actor, draftId, step), t);
  });

  kit.onAction(verbs.reportLater, { where: personal, data: LaterData }, async ({ actor, t, data }) => {
    const { draftId, from, ...raw } = data;
    if (from) await s.reports.keepValues(actor, draftId, from, raw);
    return card([heading(t.report.title), text(t.report.saved, { weight: 'Bolder' })], [execute(t.report.menu.resume, verbs.reportResume, { draftId }), execute(t.menu, verbs.welcome)]);
  });

  kit.onAction(verbs.reportDiscard, { where: personal, data: DraftRef }, async ({ t, data }) => discardConfirmCard(data.draftId, t));

  kit.onAction(verbs.reportDiscardConfirm, { where: personal, data: DraftRef }, async ({ actor, t, data }) => {
    try {
      await s.reports.discard(actor, data.draftId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return card([heading(t.report.title), text(t.report.discarded)], [execute(t.menu, verbs.welcome)]);
  });

  kit.onAction(verbs.reportSubmit, { where: personal, data: DraftRef }, async ({ actor, t, data, teams }) => {
    try {
      const { report, created } = await s.reports.submit(actor, data.draftId, t.locale);
      // The receipt replaces the review card in the teacher's chat: remember where, so the purge
      // can replace it in turn (retention.ts).
      const shown = teams.card();
      if (shown) await s.store.transaction((trx) => recordReportMessage(trx, report.id, { kind: 'user', aadObjectId: actor.aadObjectId }, shown.conversationId, shown.activityId, s.clock.now()));
      const unit = s.directory.intakeUnit(report.intake_unit_id);
      const receivedAt = new Date(report.received_at);
      const afterHours = unit && !isOpen(unit, receivedAt) ? { onCallPhone: unit.onCallPhone, ...(report.acute === 1 ? { acute: true } : {}) } : undefined;
      return receiptCard({ reference: report.reference, sentAt: receivedAt, unitName: unit?.name ?? '', feedbackWanted: report.feedback_requested === 1, already: !created, ...(afterHours ? { afterHours } : {}) }, t);
    } catch (error) {
      if (error instanceof ValidationError) {
        const draft = await s.reports.goTo(actor, data.draftId, 'review');
        return draftCard(s, draft, t);
      }
      if (error instanceof NotFoundError) return t.report.errors.draftGone;
      throw error;
    }
  });

  kit.onAction(verbs.reportSibling, { where: personal, data: Reference }, async ({ actor, t, data }) => draftCard(s, await s.reports.startSibling(actor, data.reference), t));

  // The full report opens in a dialog, from its card in the intake channel, for members of the
  // receiving intake team only.
  kit.onDialog('fetch', verbs.reportOpen, { where: 'intakeChannel', data: Reference }, async ({ actor, teams, data, log }) => {
    const t = sv;
    try {
      const opened = await s.reports.open(actor, data.reference, teams.isMember);
      const sections = sectionsOf(opened.content, t, s, true).map((sec) => ({
        title: sec.title,
        rows: sec.rows.map(([label, value]) => [label, value && value.length > DIALOG_TEXT ? `${value.slice(0, DIALOG_TEXT)}…` : value] as [string, string | undefined]),
      }));
      const truncated = sectionsOf(opened.content, t, s, true).some((sec) => sec.rows.some(([, v]) => (v?.length ?? 0) > DIALOG_TEXT));
      const links = kit.exportLinks?.(actor, opened.report.reference);
      const full = fullReportCard(
        {
          reference: opened.report.reference,
          receivedAt: new Date(opened.report.received_at),
          sections,
          earlier: opened.earlier.map((e) => ({ reference: e.reference, receivedAt: new Date(e.received_at) })),
          purgeDays: s.config.municipality.retention.reportDaysAfterHandover,
          truncated,
          ...(links ? { exportJsonUrl: links.json, exportPdfUrl: links.pdf } : {}),
        },
        t,
      );
      return { title: t.report.full.title(opened.report.reference), card: full };
    } catch (error) {
      log.info({ event: 'report.open.error', err: error }, 'full report not shown');
      return describeError(error, t);
    }
  });

  kit.delivery.register(channelCardKind, async (message) => {
    const report = await s.reports.byId(String(message.reportId));
    if (!report) throw new NotFoundError('report', String(message.reportId));
    const view = intakeViewOf(s, report);
    return { card: kit.intakeCard ? await kit.intakeCard(report) : intakeReportCard(view, sv), summary: sv.report.channel.title(report.reference) };
  });

  kit.delivery.register(deliveryDelayedKind, async (message) => {
    const report = await s.reports.byId(String(message.reportId));
    if (!report) throw new NotFoundError('report', String(message.reportId));
    const t = strings(report.reporter_locale === 'en' ? 'en' : 'sv');
    const unit = s.directory.intakeUnit(report.intake_unit_id);
    return { card: card([text(t.report.delayed(report.reference, unit?.name ?? '', unit?.phone ?? ''), { color: 'Attention', weight: 'Bolder' })]) };
  });
}

function fieldLabel(t: Strings, field: string): string {
  const labels: Record<string, string> = {
    childName: t.report.child.name, pnr: t.report.child.pnr, address: t.report.child.address, guardians: t.report.guardians.who,
    notInformedReason: t.report.guardians.reason, observed: t.report.concern.observed, when: t.report.concern.when,
    childWords: t.report.concern.childWords, schoolActions: t.report.concern.schoolActions, reporterName: t.report.reporter.name,
    reporterRole: t.report.reporter.role, informantName: t.report.reporter.informantName,
  };
  return labels[field] ?? field;
}
