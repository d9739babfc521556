import { randomBytes } from 'node:crypto';
import type { ConversationReference } from 'botbuilder';
import { z } from 'zod/v4';
import { channelCard, composeCard, delayedCard, mineCard, reviewCard, sentCard, teacherThreadCard, threadReplyCard, type ReviewView } from '../../cards/consultation';
import { strings, type Strings } from '../../cards/i18n';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { outcomes, type Review } from '../../services/consultation';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from '../../services/errors';
import type { BotKit } from '../kit';
import type { Turn } from '../turn';

/** Channel cards are in Swedish whoever presses: a pressed card is replaced for everyone. */
const channelStrings = strings('sv');

const messageFor = (error: ValidationError, t: Strings) => t.consultation.errors[Object.values(error.fields)[0] ?? ''] ?? t.consultation.answerMissing;

const accepted = z.array(z.string().max(200)).max(50).default([]);

/**
 * Anonymous consultation: the teacher's side in the 1:1 chat (compose, review, replies) and the
 * intake side on the consultation channel card (answer, close). Only members of the unit's team
 * may answer or close; the teacher's identity never reaches the channel.
 */
export function registerConsult(kit: BotKit): void {
  const { s } = kit;
  const c = s.consultations;
  const reportVerb = () => kit.reportVerb ?? verbs.reportStart;

  // "Gör anmälan nu": the report flow asks for the text, which only the teacher who asked gets. A
  // purged or foreign consultation starts an empty report (the refusal is audited): reporting is
  // never blocked.
  kit.consultationText = async (actor, id) => {
    try {
      return await c.textForReport(actor, id);
    } catch (error) {
      if (error instanceof NotAllowedError || error instanceof NotFoundError) return undefined;
      throw error;
    }
  };

  kit.menu.push(async (actor, t) => [
    { title: t.consultation.start, verb: verbs.consultStart },
    ...((await c.mine(actor, 1)).length ? [{ title: t.consultation.mine, verb: verbs.consultMine }] : []),
  ]);

  // The teacher's side lives in the 1:1 chat; intake's on the card in the consultations channel.
  kit.onAction(verbs.consultMine, { where: 'personal', data: z.object({}).passthrough() }, async ({ actor, t }) => mineCard({ items: await c.mine(actor, 10) }, t));

  kit.onAction(verbs.consultShow, { where: 'personal', data: z.object({ id: z.string().max(64) }).passthrough() }, async ({ actor, t, data }) =>
    teacherThreadCard(await c.teacherView(actor, data.id), t, { reportVerb: reportVerb() }),
  );

  async function compose(actor: Actor, t: Strings, keep: { text?: string; schoolId?: string; showSchool?: boolean; errors?: Record<string, string> } = {}) {
    const schoolId = keep.schoolId || (await c.rememberedSchool(actor));
    const hidden = schoolId ? c.originPreview(schoolId, false) : undefined;
    const shown = schoolId ? c.originPreview(schoolId, true) : undefined;
    return composeCard(
      {
        nonce: randomBytes(12).toString('base64url'),
        schools: s.directory.municipality.schools.map((x) => ({ id: x.id, name: x.name })),
        ...(schoolId ? { schoolId } : {}),
        showSchool: keep.showSchool ?? false,
        ...(keep.text !== undefined ? { text: keep.text } : {}),
        ...(hidden && shown ? { examples: { hidden, shown } } : {}),
        ...(keep.errors ? { errors: keep.errors } : {}),
      },
      t,
    );
  }

  const toReview = (r: Review, base: Omit<ReviewView, 'text' | 'removedKinds' | 'flagged'>): ReviewView => ({
    ...base,
    text: r.text,
    removedKinds: r.removed.map((h) => h.kind),
    flagged: r.flagged.map((h) => ({ kind: h.kind, value: h.value })),
  });

  kit.onAction(verbs.consultStart, { where: 'personal', data: z.object({}).passthrough() }, async ({ actor, t }) => compose(actor, t));

  kit.onAction(
    verbs.consultSend,
    {
      where: 'personal',
      data: z.object({ nonce: z.string().max(64), text: z.string().max(8000).default(''), schoolId: z.string().max(100).default(''), showSchool: z.enum(['true', 'false']).default('false'), accepted }).passthrough(),
    },
    async ({ actor, t, data }) => {
      const showSchool = data.showSchool === 'true';
      try {
        const result = await c.ask(actor, { text: data.text, schoolId: data.schoolId, showSchool, nonce: data.nonce, accepted: data.accepted });
        if (result.kind === 'sent') return sentCard(result.view, t);
        const origin = c.originPreview(data.schoolId, showSchool)!;
        return reviewCard(toReview(result, { nonce: data.nonce, schoolId: data.schoolId, showSchool, origin }), t);
      } catch (error) {
        if (error instanceof ValidationError && !error.fields.nonce) return compose(actor, t, { text: data.text, schoolId: data.schoolId, showSchool, errors: error.fields });
        throw error;
      }
    },
  );

  /** Intake side: the service checks membership of the unit's team over Teams, and audits refusals. */
  const memberCheck = (turn: Turn<unknown>) => (teamId: string) => turn.teams.isMember(teamId);

  async function pseudonymOf(id: string): Promise<string> {
    return (await c.channelView(id)).pseudonym;
  }

  kit.onAction(verbs.consultAnswer, { where: 'consultationChannel', data: z.object({ id: z.string().max(64), answer: z.string().max(8000).default('') }).passthrough() }, async (turn) => {
    try {
      return channelCard(await c.answer(turn.actor, turn.data.id, turn.data.answer, memberCheck(turn)), channelStrings);
    } catch (error) {
      if (error instanceof NotAllowedError) return turn.t.consultation.notMember;
      if (error instanceof ConflictError && error.reason === 'consultation.closed') return turn.t.consultation.closedRefusalIntake(await pseudonymOf(turn.data.id));
      if (error instanceof ValidationError) return messageFor(error, turn.t);
      throw error;
    }
  });

  kit.onAction(verbs.consultClose, { where: 'consultationChannel', data: z.object({ id: z.string().max(64), outcome: z.string().max(40).default(''), answer: z.string().max(8000).default('') }).passthrough() }, async (turn) => {
    const outcome = outcomes.find((o) => o === turn.data.outcome);
    try {
      if (!outcome) {
        // Nothing to close with; a non-member still gets the refusal, not a hint about the form.
        await c.checkIntake(turn.actor, turn.data.id, memberCheck(turn));
        return turn.t.consultation.outcomeMissing;
      }
      return channelCard(await c.close(turn.actor, turn.data.id, outcome, turn.data.answer, memberCheck(turn)), channelStrings);
    } catch (error) {
      if (error instanceof NotAllowedError) return turn.t.consultation.notMember;
      if (error instanceof ConflictError && error.reason === 'consultation.closed') return turn.t.consultation.closedRefusalIntake(await pseudonymOf(turn.data.id));
      if (error instanceof ValidationError) return messageFor(error, turn.t);
      throw error;
    }
  });

  kit.onAction(verbs.consultReply, { where: 'personal', data: z.object({ id: z.string().max(64), reply: z.string().max(8000).default(''), accepted }).passthrough() }, async ({ actor, t, data }) => {
    try {
      const result = await c.reply(actor, data.id, data.reply, data.accepted);
      if (result.kind === 'review') {
        const view = await c.teacherView(actor, data.id);
        return reviewCard(toReview(result, { nonce: 'reply', schoolId: '', showSchool: false, origin: view.origin, replyTo: { id: data.id, pseudonym: view.pseudonym } }), t);
      }
      await refreshChannelCard(data.id);
      return teacherThreadCard(result.view, t, { note: t.consultation.replySent });
    } catch (error) {
      if (error instanceof ConflictError && error.reason === 'consultation.closed') return t.consultation.closedRefusal(await pseudonymOf(data.id));
      if (error instanceof ValidationError) return messageFor(error, t);
      throw error;
    }
  });

  /** Best effort: the root card in the channel shows the whole thread; the reply itself is durable. */
  async function refreshChannelCard(id: string): Promise<void> {
    try {
      const where = await c.channelCardOf(id);
      if (!where) return;
      const unit = s.directory.intakeUnit(where.unitId);
      const inst = unit && (await s.installations.forTeam(unit.teamId));
      if (!inst) return;
      const reference = inst.reference as Partial<ConversationReference>;
      const thread = { ...reference, conversation: { ...(reference.conversation ?? {}), id: where.conversationId } } as Partial<ConversationReference>;
      await kit.delivery.updateCard(thread, where.activityId, channelCard(await c.channelView(id), channelStrings));
    } catch (error) {
      kit.log.warn({ event: 'consultation.refresh-failed', id, err: error }, 'channel card not updated; the reply is in the thread');
    }
  }

  kit.delivery.register('consultation.posted', async (message) => {
    const view = await c.channelView(String(message.consultationId));
    return { card: channelCard(view, channelStrings), summary: channelStrings.consultation.heading(view.pseudonym, channelStrings.consultation.origin(view.origin)) };
  });

  kit.delivery.register('consultation.reply', async (message) => {
    const view = await c.channelView(String(message.consultationId));
    const reply = view.messages.find((m) => m.id === message.messageId);
    return { card: threadReplyCard(view, reply?.text, channelStrings) };
  });

  kit.delivery.register('consultation.answer', async (message) => {
    const view = await c.viewForDelivery(String(message.consultationId));
    const t = strings(view.locale === 'en' ? 'en' : 'sv');
    return { card: teacherThreadCard(view, t, { reportVerb: reportVerb() }), summary: t.consultation.answerTitle(view.pseudonym) };
  });

  kit.delivery.register('consultation.closed', async (message) => {
    const view = await c.viewForDelivery(String(message.consultationId));
    const t = strings(view.locale === 'en' ? 'en' : 'sv');
    return { card: teacherThreadCard(view, t, { reportVerb: reportVerb() }), summary: t.consultation.closedTitle(view.pseudonym) };
  });

  kit.delivery.register('consultation.delayed', async (message) => {
    const id = String(message.consultationId);
    const view = await c.viewForDelivery(id);
    const unit = await c.unitOf(id);
    const t = strings(view.locale === 'en' ? 'en' : 'sv');
    return { card: delayedCard({ pseudonym: view.pseudonym, unitName: unit.name, unitPhone: unit.phone }, t) };
  });
}
