import type { Actor } from '../actor';
import { ConflictError, NotFoundError } from '../errors';
import { trackConsultation } from '../stat-rollup';
import type { Tx } from '../store';
import * as consultationRows from '../store/consultations';
import type { Context } from './context';
import { cleanText, closeWith } from './transitions';
import { MAX_MESSAGE, type ChannelView, type IsMember, type Outcome } from './types';
import type { Views } from './views';

/** The intake unit's side: answering and closing in the channel, and the channel card's delivery. */
export function makeIntakeSide(ctx: Context, views: Views) {
  const { store, clock, log, outbox } = ctx;
  return {
    /** For a press that changes nothing: refused (and audited) unless a member of the unit's team. */
    async checkIntake(actor: Actor, id: string, isMember: IsMember): Promise<void> {
      await ctx.assertIntake(actor, id, 'consultation.intake', isMember);
    },

    /** Intake answers; the answer is relayed to the teacher's 1:1 chat. Members of the unit's team only. */
    async answer(actor: Actor, id: string, text: string, isMember: IsMember): Promise<ChannelView> {
      await ctx.assertIntake(actor, id, 'consultation.answer', isMember);
      const answer = cleanText(text, 'answer', MAX_MESSAGE);
      const now = clock.now();
      await store.transaction(async (trx) => {
        const c = await ctx.load(id, trx);
        if (c.status !== 'open') throw new ConflictError('consultation.closed');
        const sealed = await ctx.sealedOf(c, trx);
        if (!sealed) throw new NotFoundError('consultation', id);
        const messageId = await ctx.appendMessage(trx, c, 'intake', answer, now);
        await outbox.enqueue(
          trx,
          {
            dedupeKey: `consultation.answer:${messageId}`,
            target: { kind: 'user', aadObjectId: sealed.teacherAad },
            message: { kind: 'consultation.answer', consultationId: id, messageId },
          },
          now,
        );
        await store.audit.append(
          trx,
          { actor: actor.aadObjectId, action: 'consultation.answer', subject: `consultation:${id}`, outcome: 'allowed' },
          now,
        );
      });
      outbox.wake();
      log.info({ event: 'consultation.answered', id }, 'intake answered a consultation');
      return views.channelView(id);
    },

    /**
     * Intake closes with an outcome, and a last answer if one was typed (the closing card carries it
     * to the teacher); the teacher is told, with a report button on "Gör en anmälan".
     */
    async close(actor: Actor, id: string, outcome: Outcome, lastAnswer: string | undefined, isMember: IsMember): Promise<ChannelView> {
      await ctx.assertIntake(actor, id, 'consultation.close', isMember);
      const answer = lastAnswer?.trim() ? cleanText(lastAnswer, 'answer', MAX_MESSAGE) : undefined;
      const now = clock.now();
      await store.transaction(async (trx) => {
        let c = await ctx.load(id, trx);
        if (c.status !== 'open') throw new ConflictError('consultation.closed');
        const sealed = await ctx.sealedOf(c, trx);
        if (answer) {
          await ctx.appendMessage(trx, c, 'intake', answer, now);
          c = await ctx.load(id, trx);
        }
        const closed = closeWith(c, outcome, now);
        const saved = await trackConsultation(trx, id, () => consultationRows.saveConsultationChange(trx, c, closed));
        if (!saved) throw new ConflictError('consultation.changed');
        if (sealed) {
          await outbox.enqueue(
            trx,
            {
              dedupeKey: `consultation.closed:${id}`,
              target: { kind: 'user', aadObjectId: sealed.teacherAad },
              message: { kind: 'consultation.closed', consultationId: id },
            },
            now,
          );
        }
        await store.audit.append(
          trx,
          {
            actor: actor.aadObjectId,
            action: 'consultation.close',
            subject: `consultation:${id}`,
            outcome: 'allowed',
            detail: { outcome },
          },
          now,
        );
      });
      outbox.wake();
      log.info({ event: 'consultation.closed', id, outcome }, 'consultation closed');
      return views.channelView(id);
    },

    /** The onSent hook: the channel card's thread and activity, for in-place updates and replies. */
    async rememberCard(trx: Tx, id: string, result: { activityId?: string; conversationId?: string }): Promise<void> {
      await consultationRows.rememberChannelCard(trx, id, result);
    },

    /** The question is not in the channel in time: tell the teacher, who may phone instead. */
    async deliveryDelayed(id: string): Promise<void> {
      const c = await ctx.load(id);
      const sealed = await ctx.sealedOf(c);
      if (!sealed) return;
      const now = clock.now();
      await store.transaction((trx) =>
        outbox.enqueue(
          trx,
          {
            dedupeKey: `consultation.delayed:${id}`,
            target: { kind: 'user', aadObjectId: sealed.teacherAad },
            message: { kind: 'consultation.delayed', consultationId: id },
          },
          now,
        ),
      );
      outbox.wake();
      log.warn({ event: 'consultation.delayed', id }, 'consultation not in the channel by its deadline; the teacher is told');
    },
  };
}
