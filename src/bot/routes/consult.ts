import { z } from 'zod/v4';
import { cancelledCard, channelCard, composeCard, mineCard, reviewCard, sentCard, teacherThreadCard } from '../../cards/consultation';
import { strings, type Strings } from '../../cards/i18n';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { outcomes, type Review } from '../../services/consultation';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from '../../services/errors';
import type { BotKit } from '../kit';
import type { Turn } from '../turn';
import { composeViewOf, reviewViewOf, type ComposeKeep } from '../views/consultation';

/** Channel cards are in Swedish whoever presses: a pressed card is replaced for everyone. */
const channelStrings = strings('sv');

const messageFor = (error: ValidationError, t: Strings) => {
  const [field, code] = Object.entries(error.fields)[0] ?? ['', ''];
  return t.consultation.errors[`${field}.${code}`] ?? t.consultation.errors[code] ?? t.consultation.answerMissing;
};

/** A review card's buttons: the review, its version and (restore) the index of one replacement. */
const ReviewRef = z.object({ review: z.string().max(64) }).passthrough();
const ReviewPress = z.object({ review: z.string().max(64), v: z.string().max(12), hit: z.string().max(6).optional() }).passthrough();

/**
 * Anonymous consultation: the teacher's side in the 1:1 chat (compose, review, replies) and the
 * intake side on the consultation channel card (answer, close). Only members of the unit's team
 * may answer or close; the teacher's identity never reaches the channel.
 */
export function registerConsult(kit: BotKit): void {
  const { s } = kit;
  const c = s.consultations;

  // The teacher's side lives in the 1:1 chat; intake's on the card in the consultations channel.
  kit.onAction(verbs.consultMine, { where: 'personal', data: z.object({}).passthrough() }, async ({ actor, t }) =>
    mineCard({ items: await c.mine(actor, 10) }, t),
  );

  kit.onAction(
    verbs.consultShow,
    { where: 'personal', data: z.object({ id: z.string().max(64) }).passthrough() },
    async ({ actor, t, data }) =>
      // "Gör anmälan nu" starts the report flow, which asks for the consultation's text itself.
      teacherThreadCard(await c.teacherView(actor, data.id), t, { reportVerb: verbs.reportStart }),
  );

  const compose = async (actor: Actor, t: Strings, keep: ComposeKeep = {}) => composeCard(await composeViewOf(s, actor, keep), t);

  /** The review card for a review: the origin (a question) or the consultation's pseudonym (a reply). */
  const reviewCardFor = async (actor: Actor, t: Strings, review: Review, note?: string) =>
    reviewCard(await reviewViewOf(s, actor, review, note), t);

  /** What a press on a review card answers when the review is gone, changed, or not the presser's. */
  async function onReviewError(
    error: unknown,
    actor: Actor,
    t: Strings,
    reviewId: string,
  ): Promise<string | Awaited<ReturnType<typeof reviewCardFor>>> {
    if (error instanceof NotFoundError || (error instanceof ConflictError && error.reason === 'consultation.reviewSent'))
      return t.consultation.reviewGone;
    if (error instanceof NotAllowedError) return t.consultation.notYours;
    if (
      (error instanceof ConflictError && error.reason === 'consultation.reviewChanged') ||
      (error instanceof ValidationError && error.fields.hit)
    ) {
      return reviewCardFor(actor, t, await c.review(actor, reviewId), t.consultation.staleReview);
    }
    throw error;
  }

  kit.onAction(verbs.consultStart, { where: 'personal', data: z.object({}).passthrough() }, async ({ actor, t }) => compose(actor, t));

  kit.onAction(
    verbs.consultSend,
    {
      where: 'personal',
      data: z
        .object({
          nonce: z.string().max(64),
          text: z.string().max(8000).default(''),
          schoolId: z.string().max(100).default(''),
          showSchool: z.enum(['true', 'false']).default('false'),
        })
        .passthrough(),
    },
    async ({ actor, t, data }) => {
      const showSchool = data.showSchool === 'true';
      try {
        const result = await c.ask(actor, { text: data.text, schoolId: data.schoolId, showSchool, nonce: data.nonce });
        if (result.kind === 'sent') return sentCard(result.view, t);
        return reviewCardFor(actor, t, result);
      } catch (error) {
        if (error instanceof ValidationError && !error.fields.nonce)
          return compose(actor, t, { text: data.text, schoolId: data.schoolId, showSchool, errors: error.fields, nonce: data.nonce });
        throw error;
      }
    },
  );

  /** Intake side: the service checks membership of the unit's team over Teams, and audits refusals. */
  const memberCheck = (turn: Turn<unknown>) => (teamId: string) => turn.teams.isMember(teamId);

  async function pseudonymOf(id: string): Promise<string> {
    return (await c.channelView(id)).pseudonym;
  }

  kit.onAction(
    verbs.consultAnswer,
    { where: 'consultationChannel', data: z.object({ id: z.string().max(64), answer: z.string().max(8000).default('') }).passthrough() },
    async (turn) => {
      try {
        return channelCard(await c.answer(turn.actor, turn.data.id, turn.data.answer, memberCheck(turn)), channelStrings);
      } catch (error) {
        if (error instanceof NotAllowedError) return turn.t.consultation.notMember;
        if (error instanceof ConflictError && error.reason === 'consultation.closed')
          return turn.t.consultation.closedRefusalIntake(await pseudonymOf(turn.data.id));
        if (error instanceof ValidationError) return messageFor(error, turn.t);
        throw error;
      }
    },
  );

  kit.onAction(
    verbs.consultClose,
    {
      where: 'consultationChannel',
      data: z
        .object({ id: z.string().max(64), outcome: z.string().max(40).default(''), answer: z.string().max(8000).default('') })
        .passthrough(),
    },
    async (turn) => {
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
        if (error instanceof ConflictError && error.reason === 'consultation.closed')
          return turn.t.consultation.closedRefusalIntake(await pseudonymOf(turn.data.id));
        if (error instanceof ValidationError) return messageFor(error, turn.t);
        throw error;
      }
    },
  );

  kit.onAction(
    verbs.consultReply,
    { where: 'personal', data: z.object({ id: z.string().max(64), reply: z.string().max(8000).default('') }).passthrough() },
    async ({ actor, t, data }) => {
      try {
        const result = await c.reply(actor, data.id, data.reply);
        if (result.kind === 'review') return reviewCardFor(actor, t, result);
        await refreshChannelCard(data.id);
        return teacherThreadCard(result.view, t, { note: t.consultation.replySent });
      } catch (error) {
        if (error instanceof ConflictError && error.reason === 'consultation.closed')
          return t.consultation.closedRefusal(await pseudonymOf(data.id));
        if (error instanceof ValidationError) return messageFor(error, t);
        throw error;
      }
    },
  );

  // The review card (a question or a reply): restore one word, replace it again, send, edit, cancel.
  // Each press names the review; the service checks it is the presser's, and the version and the
  // replacement's index against its own list.
  for (const [verb, restore] of [
    [verbs.consultRestore, true],
    [verbs.consultReplace, false],
  ] as const) {
    kit.onAction(verb, { where: 'personal', data: ReviewPress }, async ({ actor, t, data }) => {
      try {
        return await reviewCardFor(actor, t, await c.restore(actor, data.review, { v: data.v, hit: data.hit }, restore));
      } catch (error) {
        return onReviewError(error, actor, t, data.review);
      }
    });
  }

  kit.onAction(verbs.consultConfirm, { where: 'personal', data: ReviewPress }, async ({ actor, t, data }) => {
    try {
      const result = await c.confirm(actor, data.review, { v: data.v });
      if (result.kind === 'stale') return await reviewCardFor(actor, t, result.review, t.consultation.staleReview);
      if (result.target.kind === 'ask') return sentCard(result.view, t);
      if (!result.again) await refreshChannelCard(result.view.id);
      return teacherThreadCard(result.view, t, { note: t.consultation.replySent });
    } catch (error) {
      if (error instanceof ConflictError && error.reason === 'consultation.closed') {
        const target = await c.reviewFor(actor, data.review);
        return target.kind === 'reply' ? t.consultation.closedRefusal(await pseudonymOf(target.consultationId)) : t.consultation.reviewGone;
      }
      return onReviewError(error, actor, t, data.review);
    }
  });

  kit.onAction(verbs.consultEdit, { where: 'personal', data: ReviewRef }, async ({ actor, t, data }) => {
    try {
      const { for: target, text } = await c.editText(actor, data.review);
      if (target.kind === 'reply') return teacherThreadCard(await c.teacherView(actor, target.consultationId), t, { reply: text });
      return await compose(actor, t, { text, schoolId: target.schoolId, showSchool: target.showSchool, nonce: target.nonce, edited: true });
    } catch (error) {
      return onReviewError(error, actor, t, data.review);
    }
  });

  kit.onAction(verbs.consultCancel, { where: 'personal', data: ReviewRef }, async ({ actor, t, data }) => {
    try {
      await c.cancel(actor, data.review);
      return cancelledCard(t);
    } catch (error) {
      return onReviewError(error, actor, t, data.review);
    }
  });

  /** Best effort: the root card in the channel shows the whole thread; the reply itself is durable. */
  async function refreshChannelCard(id: string): Promise<void> {
    try {
      const where = await c.channelCardOf(id);
      if (!where) return;
      await kit.delivery.updateInThread(where.unitId, where, async () => channelCard(await c.channelView(id), channelStrings));
    } catch (error) {
      kit.log.warn({ event: 'consultation.refresh-failed', id, err: error }, 'channel card not updated; the reply is in the thread');
    }
  }
}
