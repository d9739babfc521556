import type { Actor } from '../actor';
import { ConflictError, ValidationError } from '../errors';
import { trackConsultation } from '../stat-rollup';
import { newId } from '../store';
import * as consultationRows from '../store/consultations';
import type { Consultation } from '../store/consultations';
import * as userRows from '../store/users';
import { aadOf, type Context } from './context';
import type { Reviews } from './reviews';
import { cleanText, reviewOf } from './transitions';
import { MAX_MESSAGE, MAX_TEXT, MIN_TEXT, type AskInput, type Review, type Sealed, type TeacherView } from './types';
import type { Views } from './views';

/**
 * The teacher's side: asking, replying, and "Skicka" on a review. The guard runs before anything
 * leaves the chat; only the server's cleaned text is ever sent.
 */
export function makePosting(ctx: Context, views: Views, reviews: Reviews) {
  const { store, clock, log, cipher, directory, outbox } = ctx;

  /** Sends the checked text: a new consultation or a reply, and the review marked sent with it. */
  async function post(actor: Actor, target: Review['for'], text: string, reviewId?: string): Promise<TeacherView> {
    try {
      return target.kind === 'ask'
        ? await create(actor, target, text, reviewId)
        : await appendReply(actor, target.consultationId, text, reviewId);
    } catch (error) {
      if (error instanceof ConflictError && error.reason === 'consultation.reviewSent') return views.sentViewOf(actor, target);
      throw error;
    }
  }

  async function create(
    actor: Actor,
    target: Extract<Review['for'], { kind: 'ask' }>,
    text: string,
    reviewId?: string,
  ): Promise<TeacherView> {
    const { school, unit } = ctx.schoolAndUnit(target.schoolId);
    const submissionKey = cipher.keyedHash('consultation.submission', ctx.submission(actor, target.nonce));
    const now = clock.now();
    const id = newId(now);
    const created = await store.transaction(async (trx) => {
      const number = await consultationRows.nextConsultationNumber(trx);
      const { key, wrapped } = cipher.newDataKey(id);
      await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
      const sealed: Sealed = { teacherAad: actor.aadObjectId.toLowerCase(), text };
      const c: Consultation = {
        id,
        number,
        submissionKey,
        teacherKey: ctx.teacherKey(actor.aadObjectId),
        indexKeyId: cipher.indexKeyId,
        teacherLocale: actor.locale,
        unitId: unit.id,
        schoolId: school.id,
        districtId: school.district,
        schoolType: school.type,
        schoolShown: target.showSchool,
        sealed: cipher.seal(key, sealed, aadOf(id)),
        status: 'open',
        createdAt: now,
        ledToReport: false,
        messages: 0,
        version: 1,
        updatedAt: now,
      };
      if (reviewId) await reviews.markSent(trx, reviewId, target, now);
      await trackConsultation(trx, id, () => consultationRows.insertConsultation(trx, c));
      await outbox.enqueue(
        trx,
        {
          dedupeKey: `consultation.posted:${id}`,
          target: { kind: 'channel', unitId: unit.id, channel: 'consultations' },
          message: { kind: 'consultation.posted', consultationId: id },
          deadlineAt: new Date(now.getTime() + ctx.deliveryDeadlineMinutes * 60_000),
        },
        now,
      );
      return c;
    });
    outbox.wake();
    await userRows.updateProfile(store.db, actor.aadObjectId, { schoolId: school.id }, now);
    log.info({ event: 'consultation.asked', id, number: created.number, unit: unit.id }, 'consultation posted to intake');
    return { ...(await ctx.view(created)), locale: created.teacherLocale };
  }

  async function appendReply(actor: Actor, id: string, text: string, reviewId?: string): Promise<TeacherView> {
    const now = clock.now();
    await store.transaction(async (trx) => {
      const fresh = await ctx.load(id, trx);
      if (fresh.status !== 'open') throw new ConflictError('consultation.closed');
      if (!fresh.channelConversationId) throw new ConflictError('consultation.notPosted');
      if (reviewId) await reviews.markSent(trx, reviewId, { kind: 'reply', consultationId: id }, now);
      const messageId = await ctx.appendMessage(trx, fresh, 'teacher', text, now);
      await outbox.enqueue(
        trx,
        {
          dedupeKey: `consultation.reply:${messageId}`,
          target: { kind: 'thread', unitId: fresh.unitId, conversationId: fresh.channelConversationId },
          message: { kind: 'consultation.reply', consultationId: id, messageId },
        },
        now,
      );
    });
    outbox.wake();
    log.info({ event: 'consultation.replied', id }, 'teacher replied in a consultation');
    return views.teacherView(actor, id);
  }

  return {
    /**
     * Asks the intake unit. Returns a review when the guard removed something or found names,
     * addresses or postal codes (replaced unless restored); otherwise posts under a pseudonym.
     */
    async ask(actor: Actor, input: AskInput): Promise<Review | { kind: 'sent'; view: TeacherView }> {
      const school = directory.school(input.schoolId);
      const errors: Record<string, string> = {};
      if (!school) errors.schoolId = 'unknown';
      else if (!directory.intakeUnitFor(school.id)) errors.schoolId = 'noIntakeUnit';
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(input.nonce)) throw new ValidationError({ nonce: 'invalid' });
      const trimmed = input.text.trim();
      if (trimmed.length < MIN_TEXT) errors.text = 'tooShort';
      else if (trimmed.length > MAX_TEXT) errors.text = 'tooLong';
      if (Object.keys(errors).length || !school) throw new ValidationError(errors);
      const submissionKey = cipher.keyedHash('consultation.submission', ctx.submission(actor, input.nonce));
      const submissionKeys = cipher.keyedHashes('consultation.submission', ctx.submission(actor, input.nonce));
      const existing = await consultationRows.findBySubmission(store.db, submissionKeys);
      if (existing) return { kind: 'sent', view: { ...(await ctx.view(existing)), locale: existing.teacherLocale } };

      const pending = await reviews.byKey(actor, submissionKeys);
      const verdict = ctx.guard(trimmed, pending?.state?.kept ?? [], school.id, input.showSchool);
      const target: Review['for'] = { kind: 'ask', nonce: input.nonce, schoolId: school.id, showSchool: input.showSchool };
      if (verdict.kind === 'review') return reviews.save(actor, submissionKey, pending, { for: target, ...verdict.state });
      return { kind: 'sent', view: await post(actor, target, verdict.text, pending?.state ? pending.row.id : undefined) };
    },

    /** The teacher replies in the thread; the same guard runs before it leaves the chat. */
    async reply(actor: Actor, id: string, text: string): Promise<Review | { kind: 'sent'; view: TeacherView }> {
      const c = await ctx.load(id);
      await ctx.assertTeacher(actor, c, 'consultation.reply');
      if (c.status !== 'open') throw new ConflictError('consultation.closed');
      const cleaned = cleanText(text, 'reply', MAX_MESSAGE);
      const key = cipher.keyedHash('consultation.replyReview', `${actor.aadObjectId.toLowerCase()}|${id}`);
      const pending = await reviews.byKey(
        actor,
        cipher.keyedHashes('consultation.replyReview', `${actor.aadObjectId.toLowerCase()}|${id}`),
      );
      const verdict = ctx.guard(cleaned, pending?.state?.kept ?? [], c.schoolId, c.schoolShown);
      const target: Review['for'] = { kind: 'reply', consultationId: id };
      if (verdict.kind === 'review') return reviews.save(actor, key, pending, { for: target, ...verdict.state });
      return { kind: 'sent', view: await post(actor, target, verdict.text, pending?.state ? pending.row.id : undefined) };
    },

    /**
     * "Skicka" on the review card: sends the server's cleaned text (placeholders in, restored
     * words back), never text from the client. A press on an older version of the card is not
     * sent (the route shows the current one); a second press on a sent review answers as the first.
     */
    async confirm(
      actor: Actor,
      reviewId: string,
      pressed: unknown,
    ): Promise<{ kind: 'stale'; review: Review } | { kind: 'sent'; view: TeacherView; again: boolean; target: Review['for'] }> {
      const { row: r, state, for: target } = await reviews.load(actor, reviewId);
      if (!state) return { kind: 'sent', view: await views.sentViewOf(actor, target), again: true, target };
      const review = reviewOf(r, state);
      if (!reviews.StaleVersion(r.version).safeParse(pressed).success) return { kind: 'stale', review };
      return { kind: 'sent', view: await post(actor, target, review.outgoing, r.id), again: false, target };
    },
  };
}
