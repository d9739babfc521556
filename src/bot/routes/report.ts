import { z } from 'zod/v4';
import { strings, type Strings } from '../../cards/i18n';
import { discardConfirmCard, discardedCard, fullReportCard, receiptCard, savedCard } from '../../cards/report';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { NotAllowedError, NotFoundError, ValidationError } from '../../services/errors';
import { fieldsOf, pageSteps, pages, steps, type Page, type Step } from '../../services/reports/model';
import { below, type BotKit } from '../kit';
import type { Links } from '../links';
import { draftCard, fullReportViewOf, receiptViewOf } from '../views/report';
import { describeError, type Turn } from '../turn';

const DraftRef = z.object({ draftId: z.string().min(1).max(64) }).passthrough();
// `step`: one of the three cards; a single step from a card sent before the form had three.
const Where = z.union([z.enum(steps), z.enum(pages)]);
const StepData = z.object({ draftId: z.string().min(1).max(64), step: Where }).passthrough();
const GoToData = z
  .object({ draftId: z.string().min(1).max(64), step: z.union([Where, z.literal('review')]), from: Where.optional() })
  .passthrough();
const LaterData = z.object({ draftId: z.string().min(1).max(64), from: Where.optional() }).passthrough();
const Reference = z.object({ reference: z.string().min(1).max(40) }).passthrough();
const StartData = z.object({ fromConsultation: z.string().max(64).optional() }).passthrough();
const ResumeData = z.object({ draftId: z.string().max(64).optional() }).passthrough();

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
    const draft = await s.reports.start(actor, await teams.profile(), {
      ...(consultationText ? { consultationText, consultationId: fromConsultation } : {}),
    });
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
  const keep = async (
    actor: Actor,
    t: Strings,
    draftId: string,
    from: Step | Page | undefined,
    raw: Record<string, unknown>,
  ): Promise<string | undefined> => {
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
    return savedCard(draftId, t);
  });

  kit.onAction(verbs.reportDiscard, { where: personal, data: DraftRef }, async ({ t, data }) => discardConfirmCard(data.draftId, t));

  kit.onAction(verbs.reportDiscardConfirm, { where: personal, data: DraftRef }, async ({ actor, t, data }) => {
    try {
      await s.reports.discard(actor, data.draftId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return discardedCard(t);
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
      if (shown) await s.retention.rememberMessage(report.id, actor.aadObjectId, shown);
      return receiptCard(receiptViewOf(s, report, created), t);
    } catch (error) {
      if (
        error instanceof ValidationError &&
        !Object.values(error.fields).some((code) => code.startsWith('tooLong:') || code === 'cardTooLarge')
      ) {
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
      if (first) await s.retention.rememberMessage(first.id, actor.aadObjectId, where);
    });
  });

  // The full report opens in a dialog, from its card in the intake channel, for members of the
  // receiving intake team only.
  kit.onDialog('fetch', verbs.reportOpen, { where: 'intakeChannel', data: Reference }, async ({ actor, teams, data, log }) => {
    const t = sv;
    try {
      const opened = await s.reports.open(actor, data.reference, teams.isMember);
      const full = fullReportCard(fullReportViewOf(s, opened, t, links.report(actor, opened.report.reference)), t);
      return { title: t.report.full.title(opened.report.reference), card: full };
    } catch (error) {
      log.info({ event: 'report.open.error', err: error }, 'full report not shown');
      return describeError(error, t);
    }
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
    childName: t.report.child.name,
    pnr: t.report.child.pnr,
    address: t.report.child.address,
    guardians: t.report.guardians.who,
    notInformedReason: t.report.guardians.reason,
    observed: t.report.concern.observed,
    when: t.report.concern.when,
    childWords: t.report.concern.childWords,
    schoolActions: t.report.concern.schoolActions,
    reporterName: t.report.reporter.name,
    reporterRole: t.report.reporter.role,
    informantName: t.report.reporter.informantName,
  };
  return labels[field] ?? field;
}
