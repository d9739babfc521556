import { z } from 'zod/v4';
import { strings, type Strings } from '../../cards/i18n';
import {
  discardConfirmCard,
  fullReportCard,
  receiptCard,
  reportPageCard,
  reviewCard,
  type AcuteView,
} from '../../cards/report';
import { card, execute, heading, text } from '../../cards/card';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { NotAllowedError, NotFoundError, ValidationError } from '../../services/errors';
import { isOpen } from '../../services/office-hours';
import { doNotInformGuardians, fieldsOf, pageOf, pageSteps, pages, steps, type Category, type DraftContent, type Page, type ReportContent, type Step } from '../../services/report-model';
import { channelCardKind, deliveryDelayedKind, type Draft, type Report } from '../../services/reports';
import type { Services } from '../../services';
import { recordReportMessage } from '../../services/retention';
import { below, type BotKit } from '../kit';
import type { Links } from '../links';
import { intakeChannelCard } from '../views/intake';
import { describeError, type Turn } from '../turn';

const DraftRef = z.object({ draftId: z.string().min(1).max(64) }).passthrough();
// `step`: one of the three cards; a single step from a card sent before the form had three.
const Where = z.union([z.enum(steps), z.enum(pages)]);
const StepData = z.object({ draftId: z.string().min(1).max(64), step: Where }).passthrough();
const GoToData = z.object({ draftId: z.string().min(1).max(64), step: z.union([Where, z.literal('review')]), from: Where.optional() }).passthrough();
const LaterData = z.object({ draftId: z.string().min(1).max(64), from: Where.optional() }).passthrough();
const Reference = z.object({ reference: z.string().min(1).max(40) }).passthrough();
const StartData = z.object({ fromConsultation: z.string().max(64).optional() }).passthrough();
const ResumeData = z.object({ draftId: z.string().max(64).optional() }).passthrough();

const asValues = (o: object | undefined): Record<string, string | boolean | undefined> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean')) as Record<string, string | boolean | undefined>;

export function acuteViewFor(s: Services, content: DraftContent): AcuteView | undefined {
  if (content.acute?.immediateDanger !== 'yes') return undefined;
  return contactsOf(s, content);
}

function contactsOf(s: Services, content: DraftContent): AcuteView {
  const schoolId = content.child?.schoolId ?? (typeof content.prefill?.child?.schoolId === 'string' ? content.prefill.child.schoolId : undefined);
  const c = s.contactsFor(schoolId);
  return { open: c.open, intakeName: c.intakeName, intakePhone: c.intakePhone, onCallPhone: c.onCallPhone };
}

type Rows = Array<[string, string | undefined]>;

/**
 * The report as statements, for the review (card 3) and intake's full report: "Vårdnadshavarna vet
 * om anmälan: Nej", never a question with a colon after it. The acute answer is its own line.
 */
function sectionsOf(content: Partial<ReportContent>, t: Strings, s: Services, full: boolean) {
  const r = t.report;
  const f = r.facts;
  const yesNo = (b: boolean | undefined) => (b === undefined ? undefined : b ? t.yes : t.no);
  const informed = (v: string | undefined) =>
    v === 'yes' ? r.full.informedYes
    : v === 'noSensitive' ? r.full.notInformedSensitive
    : v === 'notYet' ? (full ? r.full.notInformedNotYet : r.guardians.informedNotYet)
    : v === 'noOther' ? r.full.notInformedOther
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
  const valuesOf = (list: readonly Step[]) => Object.assign({}, ...list.map((step) => ({ ...asValues(c[step]), ...asValues(c.prefill?.[step]) }))) as Record<string, string | boolean | undefined>;
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
  return reportPageCard({ draftId: draft.id, page, values: valuesOf(pageSteps[page]), errors, schools, contacts: contactsOf(s, c), acute: acuteViewFor(s, c) }, t);
}

/** Dialog cards stay under Teams' size limits: long texts are cut there; the export has them whole. */
const DIALOG_TEXT = 3000;

/** The report flow in the 1:1 chat, the channel card and the full report for intake. */
export function registerReport(kit: BotKit, links: Links): void {
  const { s } = kit;
  const sv = strings('sv');

  /**
   * "Gör anmälan nu" on a consultation's answer: its text, which only the teacher who asked gets. A
   * purged or foreign consultation starts an empty report (the refusal is audited): reporting is
   * never blocked.
   */
  async function consultationTextOf(actor: Actor, id: string): Promise<string | undefined> {
    try {
      return await s.consultations.textForReport(actor, id);
    } catch (error) {
      if (error instanceof NotAllowedError || error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Starts a draft, the reporter prefilled from the teacher's Teams profile (best effort) and their last report. */
  async function start({ actor, t, teams }: Turn<unknown>, fromConsultation?: string) {
    const consultationText = fromConsultation ? await consultationTextOf(actor, fromConsultation) : undefined;
    const draft = await s.reports.start(actor, await teams.profile(), { ...(consultationText ? { consultationText, consultationId: fromConsultation } : {}) });
    return draftCard(s, draft, t);
  }

  // Every step of a report shows the child: the whole flow, its commands and its buttons, runs in
  // the 1:1 chat only (OSL 40 kap. 7 g §); the adapter points anyone elsewhere to that chat.
  const personal = 'personal' as const;
  kit.onCommand('report', { where: personal }, async (turn) => start(turn));

  // From the menu the form takes the menu's place; from a consultation's answer ("Gör anmälan nu")
  // it comes as a new message below, so the advice stays in the chat.
  kit.onAction(verbs.reportStart, { where: personal, data: StartData }, async (turn) => {
    const form = await start(turn, turn.data.fromConsultation);
    return turn.data.fromConsultation ? below(form, turn.t.report.newBelow) : form;
  });

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
      const answer = answerFor(error, t);
      if (answer) return answer;
      throw error;
    }
  });

  /** Keeps what the card holds (back, "Ändra", save for later); text too long for it is answered with a message. */
  const keep = async (actor: Actor, t: Strings, draftId: string, from: Step | Page | undefined, raw: Record<string, unknown>): Promise<string | undefined> => {
    if (!from) return undefined;
    try {
      await s.reports.keepValues(actor, draftId, from, raw);
      return undefined;
    } catch (error) {
      const answer = answerFor(error, t);
      if (answer) return answer;
      throw error;
    }
  };

  kit.onAction(verbs.reportGoTo, { where: personal, data: GoToData }, async ({ actor, t, data }) => {
    const { draftId, step, from, ...raw } = data;
    const refused = await keep(actor, t, draftId, from, raw);
    if (refused) return refused;
    return draftCard(s, await s.reports.goTo(actor, draftId, step), t);
  });

  kit.onAction(verbs.reportLater, { where: personal, data: LaterData }, async ({ actor, t, data }) => {
    const { draftId, from, ...raw } = data;
    const refused = await keep(actor, t, draftId, from, raw);
    if (refused) return refused;
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

  // *Skicka* on the third card carries the reporter's and the wishes' inputs: they are saved (and
  // checked, the error next to its field) before the report is sent. A card sent before the form
  // had three cards sends the draft id alone.
  const sendFields = new Set(pageSteps.sendPage.flatMap(fieldsOf));
  kit.onAction(verbs.reportSubmit, { where: personal, data: DraftRef }, async ({ actor, t, data, teams }) => {
    const { draftId, ...raw } = data;
    try {
      if (Object.keys(raw).some((k) => sendFields.has(k))) {
        const saved = await s.reports.saveStep(actor, draftId, 'sendPage', raw).catch((error: unknown) => {
          // Lost a race with a first press that already sent it: submit() finds that report.
          if (error instanceof NotFoundError) return undefined;
          throw error;
        });
        if (saved?.errors) return draftCard(s, saved.draft, t, saved.errors);
      }
      const { report, created } = await s.reports.submit(actor, draftId, t.locale);
      // The receipt replaces the review card in the teacher's chat: remember where, so the purge
      // can replace it in turn (retention.ts).
      const shown = teams.card();
      if (shown) await s.store.transaction((trx) => recordReportMessage(trx, report.id, { kind: 'user', aadObjectId: actor.aadObjectId }, shown.conversationId, shown.activityId, s.clock.now()));
      const unit = s.directory.intakeUnit(report.intake_unit_id);
      const receivedAt = new Date(report.received_at);
      const afterHours = unit && !isOpen(unit, receivedAt) ? { onCallPhone: unit.onCallPhone, ...(report.acute === 1 ? { acute: true } : {}) } : undefined;
      return receiptCard({ reference: report.reference, sentAt: receivedAt, unitName: unit?.name ?? '', feedbackWanted: report.feedback_requested === 1, already: !created, ...(afterHours ? { afterHours } : {}) }, t);
    } catch (error) {
      if (error instanceof ValidationError && !Object.values(error.fields).some((code) => code.startsWith('tooLong:') || code === 'cardTooLarge')) {
        const draft = await s.reports.goTo(actor, draftId, 'review');
        return draftCard(s, draft, t);
      }
      const answer = answerFor(error, t);
      if (answer) return answer;
      throw error;
    }
  });

  // The receipt is never replaced (the reference and its proof stay in the chat): the sibling's
  // report comes as a new message below it.
  // The new card shows the first report's facts, prefilled: the first report's purge replaces it
  // too, unless it became the sibling's own receipt by then (recordReportMessage).
  kit.onAction(verbs.reportSibling, { where: personal, data: Reference }, async ({ actor, t, data }) => {
    const draft = await s.reports.startSibling(actor, data.reference);
    const first = await s.reports.byReference(data.reference);
    return below(draftCard(s, draft, t), t.report.newBelow, async (where) => {
      if (first) await s.store.transaction((trx) => recordReportMessage(trx, first.id, { kind: 'user', aadObjectId: actor.aadObjectId }, where.conversationId, where.activityId, s.clock.now()));
    });
  });

  // The full report opens in a dialog, from its card in the intake channel, for members of the
  // receiving intake team only.
  kit.onDialog('fetch', verbs.reportOpen, { where: 'intakeChannel', data: Reference }, async ({ actor, teams, data, log }) => {
    const t = sv;
    try {
      const opened = await s.reports.open(actor, data.reference, teams.isMember);
      const sections = sectionsOf(opened.content, t, s, true).map((sec) => ({
        ...(sec.title ? { title: sec.title } : {}),
        rows: sec.rows.map(([label, value]) => [label, value && value.length > DIALOG_TEXT ? `${value.slice(0, DIALOG_TEXT)}…` : value] as [string, string | undefined]),
      }));
      const truncated = sectionsOf(opened.content, t, s, true).some((sec) => sec.rows.some(([, v]) => (v?.length ?? 0) > DIALOG_TEXT));
      const exports = links.report(actor, opened.report.reference);
      const full = fullReportCard(
        {
          reference: opened.report.reference,
          receivedAt: new Date(opened.report.received_at),
          sections,
          earlier: opened.earlier.map((e) => ({ reference: e.reference, receivedAt: new Date(e.received_at) })),
          purgeDays: s.config.municipality.retention.reportDaysAfterHandover,
          truncated,
          exportJsonUrl: exports.json,
          exportPdfUrl: exports.pdf,
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
    return { card: await intakeChannelCard(s, report), summary: sv.report.channel.title(report.reference) };
  });

  kit.delivery.register(deliveryDelayedKind, async (message) => {
    const report = await s.reports.byId(String(message.reportId));
    if (!report) throw new NotFoundError('report', String(message.reportId));
    const t = strings(report.reporter_locale === 'en' ? 'en' : 'sv');
    const unit = s.directory.intakeUnit(report.intake_unit_id);
    return { card: card([text(t.report.delayed(report.reference, unit?.name ?? '', unit?.phone ?? ''), { color: 'Attention', weight: 'Bolder' })]) };
  });
}

/** Text pasted past a field's limit: a message, so the card keeps what was typed. A draft gone: say so. */
function answerFor(error: unknown, t: Strings): string | undefined {
  if (error instanceof ValidationError) {
    const [field, code] = Object.entries(error.fields)[0] ?? [];
    if (code === 'cardTooLarge') return t.report.errors.cardTooLarge;
    const [, max, length] = (code ?? '').split(':');
    return `${field ? `${fieldLabel(t, field)}: ` : ''}${t.report.errors.tooLong(Number(max), Number(length))}`;
  }
  if (error instanceof NotFoundError) return t.report.errors.draftGone;
  return undefined;
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
