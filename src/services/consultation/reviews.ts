import { z } from 'zod/v4';
import type { Actor } from '../actor';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from '../errors';
import { newId, type Tx } from '../store';
import * as consultationRows from '../store/consultations';
import type { ConsultationReview } from '../store/consultations';
import { reviewAad, type Context } from './context';
import { restoreHit, reviewOf } from './transitions';
import type { Review, ReviewState } from './types';

/** A review is stale once changed elsewhere: the card's version must be the server's. */
const StaleVersion = (version: number) =>
  z.object({
    v: z.coerce
      .number()
      .int()
      .refine((v) => v === version),
  });

/** A review and, while pending, its state; a sent one keeps only what it was for. */
export interface OpenedReview {
  row: ConsultationReview;
  state?: ReviewState;
  for: Review['for'];
}

/**
 * Texts under review: the guard's verdict kept on the server until the teacher sends or cancels it
 * ("Det är inget namn", "Byt ut igen", "Avbryt"). Sending is in posting.ts.
 */
export function makeReviews(ctx: Context) {
  const { store, clock, log, cipher } = ctx;

  async function reviewKey(id: string, trx: Tx = store.db): Promise<Buffer> {
    const k = await store.dataKeys.get(id, trx);
    if (!k) throw new NotFoundError('consultationReview', id);
    return cipher.unwrap(id, { masterKeyId: k.master_key_id, wrapped: k.wrapped });
  }

  async function open(r: ConsultationReview): Promise<OpenedReview> {
    if (!r.sealed) throw new NotFoundError('consultationReview', r.id);
    const opened = cipher.open<ReviewState | { for: Review['for'] }>(await reviewKey(r.id), r.sealed, reviewAad(r.id));
    return r.status === 'pending' ? { row: r, state: opened as ReviewState, for: opened.for } : { row: r, for: opened.for };
  }

  /** The teacher's own review, or a refusal (audited): a review id from another chat gets nothing. */
  async function load(actor: Actor, reviewId: string): Promise<OpenedReview> {
    const r = await consultationRows.findReview(store.db, reviewId);
    if (!r) throw new NotFoundError('consultationReview', reviewId);
    if (!ctx.teacherKeys(actor.aadObjectId).includes(r.ownerKey)) {
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: actor.aadObjectId, action: 'consultation.review', subject: `consultation-review:${r.id}`, outcome: 'refused' },
          clock.now(),
        ),
      );
      log.warn({ event: 'consultation.refused', review: r.id, action: 'consultation.review' }, 'consultation review refused');
      throw new NotAllowedError('consultation.review');
    }
    return open(r);
  }

  /** The pending (or sent) review of a compose card or reply thread, the teacher's own only. */
  async function byKey(actor: Actor, keys: string[]): Promise<OpenedReview | undefined> {
    const r = await consultationRows.findReviewByKey(store.db, keys);
    if (!r || !ctx.teacherKeys(actor.aadObjectId).includes(r.ownerKey)) return undefined;
    return open(r);
  }

  /** Stores the review (a new row, or the pending one of the same compose card or thread). */
  async function save(actor: Actor, key: string, existing: OpenedReview | undefined, state: ReviewState): Promise<Review> {
    const now = clock.now();
    if (existing) {
      const k = await reviewKey(existing.row.id);
      const saved = await consultationRows.saveReviewText(
        store.db,
        existing.row.id,
        existing.row.version,
        cipher.seal(k, state, reviewAad(existing.row.id)),
        now,
        { reopen: true },
      );
      if (!saved) throw new ConflictError('consultation.reviewChanged');
      log.info(
        { event: 'consultation.review', review: existing.row.id, hits: state.hits.length, removed: state.removed },
        'consultation text held for review',
      );
      return reviewOf({ id: existing.row.id, version: existing.row.version + 1 }, state);
    }
    const id = newId(now);
    const { key: dataKey, wrapped } = cipher.newDataKey(id);
    await store.transaction(async (trx) => {
      await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
      await consultationRows.insertReview(trx, {
        id,
        key,
        ownerKey: ctx.teacherKey(actor.aadObjectId),
        kind: state.for.kind,
        version: 1,
        status: 'pending',
        sealed: cipher.seal(dataKey, state, reviewAad(id)),
        updatedAt: now,
      });
    });
    log.info(
      { event: 'consultation.review', review: id, hits: state.hits.length, removed: state.removed },
      'consultation text held for review',
    );
    return reviewOf({ id, version: 1 }, state);
  }

  /** In the sending transaction: the review's text is gone; only what it was for stays (a second press). */
  async function markSent(trx: Tx, reviewId: string, target: Review['for'], now: Date): Promise<void> {
    const k = await reviewKey(reviewId, trx);
    if (!(await consultationRows.markReviewSent(trx, reviewId, cipher.seal(k, { for: target }, reviewAad(reviewId)), now)))
      throw new ConflictError('consultation.reviewSent');
  }

  /** Reviews neither sent nor cancelled, and sent ones (kept for a repeated press), after `reviewDays`. */
  async function purge(now: Date, limit: number): Promise<number> {
    const before = new Date(now.getTime() - ctx.reviewDays * 86_400_000);
    return store.transaction(async (trx) => {
      const ids = await consultationRows.reviewsUnchangedSince(trx, before, limit);
      if (!ids.length) return 0;
      await store.dataKeys.destroy(trx, ids);
      await consultationRows.deleteReviews(trx, ids);
      log.info({ event: 'consultation.review.purged', count: ids.length }, 'consultation reviews purged');
      return ids.length;
    });
  }

  const useCases = {
    /** The review, for its card (the teacher who wrote it only). */
    async review(actor: Actor, reviewId: string): Promise<Review> {
      const loaded = await load(actor, reviewId);
      if (!loaded.state) throw new ConflictError('consultation.reviewSent');
      return reviewOf(loaded.row, loaded.state);
    },

    /**
     * "Det är inget namn" (restore) or "Byt ut igen" (replace again) on one hit. `pressed` is the
     * button's data from the client: checked against the server's own list of hits and version,
     * so no other word, and no word from another version of the card, can be restored.
     */
    async restore(actor: Actor, reviewId: string, pressed: unknown, restore: boolean): Promise<Review> {
      const { row: r, state } = await load(actor, reviewId);
      if (!state) throw new ConflictError('consultation.reviewSent');
      if (!StaleVersion(r.version).safeParse(pressed).success) throw new ConflictError('consultation.reviewChanged');
      const ids = state.hits.map((_, i) => String(i));
      const parsed = z.object({ hit: z.enum(ids as [string, ...string[]]) }).safeParse(pressed);
      if (!ids.length || !parsed.success) throw new ValidationError({ hit: 'invalid' });
      const next = restoreHit(state, Number(parsed.data.hit), restore);
      const key = await reviewKey(r.id);
      const saved = await consultationRows.saveReviewText(store.db, r.id, r.version, cipher.seal(key, next, reviewAad(r.id)), clock.now(), {
        pendingOnly: true,
      });
      if (!saved) throw new ConflictError('consultation.reviewChanged');
      log.info(
        { event: 'consultation.review.restore', review: r.id, restore },
        restore ? 'teacher restored a replaced word' : 'teacher replaced a word again',
      );
      return reviewOf({ id: r.id, version: r.version + 1 }, next);
    },

    /** What a review is (or was) for, sent or not: the teacher's own only. */
    async reviewFor(actor: Actor, reviewId: string): Promise<Review['for']> {
      return (await load(actor, reviewId)).for;
    },

    /** "Ändra texten": what the teacher edits is what would have been sent, placeholders and all. */
    async editText(actor: Actor, reviewId: string): Promise<{ for: Review['for']; text: string }> {
      const review = await useCases.review(actor, reviewId);
      return { for: review.for, text: review.outgoing };
    },

    /** "Avbryt": the review and its data key are gone; nothing was sent. */
    async cancel(actor: Actor, reviewId: string): Promise<void> {
      const { row: r } = await load(actor, reviewId);
      await store.transaction(async (trx) => {
        await store.dataKeys.destroy(trx, [r.id]);
        await consultationRows.deleteReviews(trx, [r.id]);
      });
      log.info({ event: 'consultation.review.cancelled', review: r.id }, 'teacher cancelled a consultation text under review');
    },
  };

  return { load, byKey, save, markSent, purge, StaleVersion, useCases };
}
export type Reviews = ReturnType<typeof makeReviews>;
