import { sql } from 'kysely';
import { z } from 'zod/v4';
import type { Logger } from '../log';
import type { Actor } from './actor';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from './errors';
import { trackConsultation } from './stat-rollup';
import type { Directory } from './municipality';
import type { Outbox } from './outbox';
import { checkText, placeTerms, replaceFlagged, REMOVED, type PiiHit, type WeakKind } from './pii';
import { newId, type Store, type Tx } from './store';
import type { ConsultationReviewTable, ConsultationTable } from './store/schema';

/**
 * Anonymous consultation (avidentifierad konsultation): a teacher asks the intake unit for advice
 * without naming the child. It does not fulfil the duty to report (SoL (2025:400) 19 kap. 1 §):
 * if the advice is to report, the teacher must still report, and gets a button that starts one.
 *
 * Anonymity: intake sees a pseudonym ("K-0107") and an origin (school level and district, or the
 * school if the teacher chose to show it), never who asked. The teacher's Entra id is stored only
 * sealed, to relay answers, plus a keyed hash to find "my consultations".
 */
export const outcomes = ['report', 'noReportNow', 'otherSupport'] as const;
export type Outcome = (typeof outcomes)[number];

export const MAX_TEXT = 4000;
/** Answers and replies: shorter, so a card with the question and the latest messages stays small. */
export const MAX_MESSAGE = 2000;
const PURGE_BATCH = 500;
const MIN_TEXT = 10;

export type Origin = { kind: 'school'; schoolName: string } | { kind: 'area'; level: string; districtName: string };

export interface ConsultationMessageView {
  id: string;
  author: 'intake' | 'teacher';
  at: Date;
  /** Undefined once purged. */
  text?: string;
}

/** What the intake channel may see. No field for who asked: the channel card cannot show it. */
export interface ChannelView {
  id: string;
  pseudonym: string;
  origin: Origin;
  createdAt: Date;
  question?: string;
  messages: ConsultationMessageView[];
  open: boolean;
  outcome?: Outcome;
  closedAt?: Date;
}

/** What the teacher sees in their own chat. */
export interface TeacherView extends ChannelView {
  locale: string;
}

/** Membership of a Teams team, asked of Teams (fails closed). */
export type IsMember = (teamId: string) => Promise<boolean>;

export interface AskInput {
  text: string;
  schoolId: string;
  showSchool: boolean;
  /** Random per compose card: a repeated press creates one consultation. */
  nonce: string;
}

/** A weak hit under review: replaced by its placeholder unless the teacher restored it. */
export interface ReviewHit {
  kind: WeakKind;
  value: string;
  start: number;
  end: number;
  restored: boolean;
}

/**
 * The guard's verdict shown to the teacher before anything leaves the chat, kept on the server
 * (consultation_reviews): the card carries its id and version, never the text to send.
 */
export interface Review {
  kind: 'review';
  id: string;
  version: number;
  for: { kind: 'ask'; nonce: string; schoolId: string; showSchool: boolean } | { kind: 'reply'; consultationId: string };
  /** The text after the strong hits were removed, weak hits still in it (positions in `hits`). */
  text: string;
  hits: ReviewHit[];
  /** How many strong hits (personnummer, phone, e-mail) were removed. */
  removed: number;
  /** What "Skicka" sends: `text` with every hit not restored replaced ("[namn]"). */
  outgoing: string;
}

/** What is sealed in a review row. */
interface ReviewState {
  for: Review['for'];
  text: string;
  hits: Array<{ kind: WeakKind; value: string; start: number; end: number }>;
  restored: number[];
  removed: number;
  /** "kind:value" the teacher restored in this review before an edit: still restored after it. */
  kept: string[];
}

export interface ConsultationDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  outbox: Outbox;
  retentionDays: number;
  /** An open consultation quiet this long is closed without an outcome (then purged after retentionDays). */
  maxOpenDays?: number;
  /** The question not in the channel by then: the teacher is told (and given the phone number). */
  deliveryDeadlineMinutes?: number;
  /** Further names to flag (the school's pupils), when a municipality configures them. */
  extraNames?: (schoolId: string) => string[];
  /** A review neither sent nor cancelled is deleted, with its data key, after this many days. */
  reviewDays?: number;
}

interface Sealed {
  teacherAad: string;
  text: string;
}

const iso = (d: Date) => d.toISOString();
export const pseudonymOf = (n: number) => `K-${String(n).padStart(4, '0')}`;
const aadOf = (id: string) => `consultation:${id}`;
const messageAad = (id: string, messageId: string) => `consultation:${id}:message:${messageId}`;
const reviewAad = (id: string) => `consultation-review:${id}`;
const hitKey = (h: { kind: string; value: string }) => `${h.kind}:${h.value}`;
const outgoingOf = (state: Pick<ReviewState, 'text' | 'hits' | 'restored'>) =>
  replaceFlagged(state.text, state.hits, new Set(state.restored));
/** A review is stale once changed elsewhere: the card's version must be the server's. */
const StaleVersion = (version: number) => z.object({ v: z.coerce.number().int().refine((v) => v === version) });

export function makeConsultations({ store, clock, log, cipher, directory, outbox, retentionDays, maxOpenDays = 180, deliveryDeadlineMinutes = 15, extraNames = () => [], reviewDays = 30 }: ConsultationDeps) {
  const teacherKey = (aadObjectId: string) => cipher.keyedHash('consultation.teacher', aadObjectId.toLowerCase());
  /** The teacher's keyed hash under every configured index key (rows not yet rehashed in a rotation). */
  const teacherKeys = (aadObjectId: string) => cipher.keyedHashes('consultation.teacher', aadObjectId.toLowerCase());

  async function row(id: string, trx: Tx = store.db): Promise<ConsultationTable> {
    const found = await trx.selectFrom('consultations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!found) throw new NotFoundError('consultation', id);
    return found;
  }

  async function keyOf(id: string, trx: Tx = store.db): Promise<Buffer | undefined> {
    const k = await store.dataKeys.get(id, trx);
    return k ? cipher.unwrap(id, { masterKeyId: k.master_key_id, wrapped: k.wrapped }) : undefined;
  }

  async function sealedOf(c: ConsultationTable, trx: Tx = store.db): Promise<Sealed | undefined> {
    if (!c.sealed) return undefined;
    const key = await keyOf(c.id, trx);
    return key ? cipher.open<Sealed>(key, c.sealed, aadOf(c.id)) : undefined;
  }

  function originOf(c: Pick<ConsultationTable, 'school_id' | 'district_id' | 'school_shown'>): Origin {
    const school = directory.school(c.school_id);
    if (c.school_shown && school) return { kind: 'school', schoolName: school.name };
    return { kind: 'area', level: school?.level ?? 'annan', districtName: directory.district(c.district_id)?.name ?? c.district_id };
  }

  async function view(c: ConsultationTable): Promise<ChannelView> {
    const key = c.sealed ? await keyOf(c.id) : undefined;
    const sealed = key && c.sealed ? cipher.open<Sealed>(key, c.sealed, aadOf(c.id)) : undefined;
    const rows = await store.db.selectFrom('consultation_messages').selectAll().where('consultation_id', '=', c.id).orderBy('seq').execute();
    return {
      id: c.id,
      pseudonym: pseudonymOf(c.number),
      origin: originOf(c),
      createdAt: new Date(c.created_at),
      ...(sealed ? { question: sealed.text } : {}),
      messages: rows.map((m) => ({
        id: m.id,
        author: m.author,
        at: new Date(m.at),
        ...(key && m.sealed ? { text: cipher.open<string>(key, m.sealed, messageAad(c.id, m.id)) } : {}),
      })),
      open: c.status === 'open',
      ...(c.outcome ? { outcome: c.outcome } : {}),
      ...(c.closed_at ? { closedAt: new Date(c.closed_at) } : {}),
    };
  }

  function cleanText(text: string, field: string, max = MAX_TEXT): string {
    const trimmed = text.trim();
    if (trimmed.length < MIN_TEXT) throw new ValidationError({ [field]: 'tooShort' });
    if (trimmed.length > max) throw new ValidationError({ [field]: 'tooLong' });
    return trimmed;
  }

  /**
   * Strong hits are always removed; weak ones (names, addresses, postal codes, the school's name)
   * are replaced in what is sent unless the teacher restored that very word in this review.
   */
  function guard(text: string, kept: readonly string[], schoolId: string, showSchool: boolean): { kind: 'review'; state: Omit<ReviewState, 'for'> } | { kind: 'clean'; text: string } {
    // A teacher who chose not to show the school is warned when the text names one.
    const places = showSchool ? [] : directory.municipality.schools.flatMap((x) => placeTerms(x.name));
    const result = checkText(text, extraNames(schoolId), places);
    const hits = result.flagged.map((h) => ({ kind: h.kind as WeakKind, value: h.value, start: h.start, end: h.end }));
    const restored = hits.flatMap((h, i) => (kept.includes(hitKey(h)) ? [i] : []));
    if (result.removed.length || restored.length < hits.length) return { kind: 'review', state: { text: result.cleaned, hits, restored, removed: result.removed.length, kept: [...kept] } };
    return { kind: 'clean', text: result.cleaned };
  }

  async function assertTeacher(actor: Actor, c: ConsultationTable, action: string): Promise<void> {
    if (teacherKeys(actor.aadObjectId).includes(c.teacher_key)) return;
    await refuse(actor, c.id, action);
    throw new NotAllowedError(action);
  }

  /** Intake actions: members of the unit's Teams team only (asked of Teams by the caller's turn). */
  async function assertIntake(actor: Actor, id: string, action: string, isMember: IsMember): Promise<void> {
    const c = await row(id);
    const unit = directory.intakeUnit(c.unit_id);
    if (unit && (await isMember(unit.teamId))) return;
    await refuse(actor, id, action);
    throw new NotAllowedError(action);
  }

  /** A refused press, audited (who tried, on what; no content). */
  async function refuse(actor: Actor, id: string, action: string): Promise<void> {
    await store.transaction((trx) => store.audit.append(trx, { actor: actor.aadObjectId, action, subject: `consultation:${id}`, outcome: 'refused' }, clock.now()));
    log.warn({ event: 'consultation.refused', id, action }, 'consultation action refused');
  }

  async function appendMessage(trx: Tx, c: ConsultationTable, author: 'intake' | 'teacher', text: string, now: Date): Promise<string> {
    const key = await keyOf(c.id, trx);
    if (!key) throw new NotFoundError('consultation', c.id);
    const messageId = newId(now);
    const seq = c.messages + 1;
    const res = await trackConsultation(trx, c.id, () => trx
      .updateTable('consultations')
      .set({
        messages: seq,
        version: c.version + 1,
        updated_at: iso(now),
        ...(author === 'intake' && !c.first_answer_at ? { first_answer_at: iso(now) } : {}),
      })
      .where('id', '=', c.id)
      .where('version', '=', c.version)
      .where('status', '=', 'open')
      .executeTakeFirst());
    if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('consultation.changed');
    await trx
      .insertInto('consultation_messages')
      .values({ id: messageId, consultation_id: c.id, seq, author, at: iso(now), sealed: cipher.seal(key, text, messageAad(c.id, messageId)) })
      .execute();
    return messageId;
  }

  const replyKey = (actor: Actor, id: string) => cipher.keyedHash('consultation.replyReview', `${actor.aadObjectId.toLowerCase()}|${id}`);

  async function reviewKey(id: string, trx: Tx = store.db): Promise<Buffer> {
    const k = await store.dataKeys.get(id, trx);
    if (!k) throw new NotFoundError('consultationReview', id);
    return cipher.unwrap(id, { masterKeyId: k.master_key_id, wrapped: k.wrapped });
  }

  /** A review row and, while pending, its state; a sent one keeps only what it was for. */
  async function openReview(r: ConsultationReviewTable): Promise<{ row: ConsultationReviewTable; state?: ReviewState; for: Review['for'] }> {
    if (!r.sealed) throw new NotFoundError('consultationReview', r.id);
    const opened = cipher.open<ReviewState | { for: Review['for'] }>(await reviewKey(r.id), r.sealed, reviewAad(r.id));
    return r.status === 'pending' ? { row: r, state: opened as ReviewState, for: opened.for } : { row: r, for: opened.for };
  }

  /** The teacher's own review, or a refusal (audited): a review id from another chat gets nothing. */
  async function loadReview(actor: Actor, reviewId: string) {
    const r = await store.db.selectFrom('consultation_reviews').selectAll().where('id', '=', reviewId).executeTakeFirst();
    if (!r) throw new NotFoundError('consultationReview', reviewId);
    if (!teacherKeys(actor.aadObjectId).includes(r.owner_key)) {
      await store.transaction((trx) => store.audit.append(trx, { actor: actor.aadObjectId, action: 'consultation.review', subject: `consultation-review:${r.id}`, outcome: 'refused' }, clock.now()));
      log.warn({ event: 'consultation.refused', review: r.id, action: 'consultation.review' }, 'consultation review refused');
      throw new NotAllowedError('consultation.review');
    }
    return openReview(r);
  }

  async function reviewByKey(actor: Actor, keys: string[]) {
    const r = await store.db.selectFrom('consultation_reviews').selectAll().where('key', 'in', keys).executeTakeFirst();
    if (!r || !teacherKeys(actor.aadObjectId).includes(r.owner_key)) return undefined;
    return openReview(r);
  }

  function reviewOf(r: Pick<ConsultationReviewTable, 'id' | 'version'>, state: ReviewState): Review {
    const restored = new Set(state.restored);
    return {
      kind: 'review',
      id: r.id,
      version: r.version,
      for: state.for,
      text: state.text,
      hits: state.hits.map((h, i) => ({ ...h, restored: restored.has(i) })),
      removed: state.removed,
      outgoing: outgoingOf(state),
    };
  }

  /** Stores the review (a new row, or the pending one of the same compose card or thread). */
  async function saveReview(actor: Actor, key: string, existing: Awaited<ReturnType<typeof reviewByKey>>, state: ReviewState): Promise<Review> {
    const now = clock.now();
    if (existing) {
      const k = await reviewKey(existing.row.id);
      const version = existing.row.version + 1;
      const res = await store.db
        .updateTable('consultation_reviews')
        .set({ sealed: cipher.seal(k, state, reviewAad(existing.row.id)), version, status: 'pending', updated_at: iso(now) })
        .where('id', '=', existing.row.id)
        .where('version', '=', existing.row.version)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('consultation.reviewChanged');
      log.info({ event: 'consultation.review', review: existing.row.id, hits: state.hits.length, removed: state.removed }, 'consultation text held for review');
      return reviewOf({ id: existing.row.id, version }, state);
    }
    const id = newId(now);
    const { key: dataKey, wrapped } = cipher.newDataKey(id);
    await store.transaction(async (trx) => {
      await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
      await trx
        .insertInto('consultation_reviews')
        .values({ id, key, owner_key: teacherKey(actor.aadObjectId), kind: state.for.kind, version: 1, status: 'pending', sealed: cipher.seal(dataKey, state, reviewAad(id)), updated_at: iso(now) })
        .execute();
    });
    log.info({ event: 'consultation.review', review: id, hits: state.hits.length, removed: state.removed }, 'consultation text held for review');
    return reviewOf({ id, version: 1 }, state);
  }

  /** In the sending transaction: the review's text is gone; only what it was for stays (a second press). */
  async function markSent(trx: Tx, reviewId: string, target: Review['for'], now: Date): Promise<void> {
    const k = await reviewKey(reviewId, trx);
    const res = await trx
      .updateTable('consultation_reviews')
      .set({ status: 'sent', sealed: cipher.seal(k, { for: target }, reviewAad(reviewId)), version: sql`version + 1`, updated_at: iso(now) })
      .where('id', '=', reviewId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('consultation.reviewSent');
  }

  async function sentViewOf(actor: Actor, target: Review['for']): Promise<TeacherView> {
    if (target.kind === 'reply') return service.teacherView(actor, target.consultationId);
    const keys = cipher.keyedHashes('consultation.submission', `${actor.aadObjectId.toLowerCase()}|${target.nonce}`);
    const c = await store.db.selectFrom('consultations').selectAll().where('submission_key', 'in', keys).executeTakeFirst();
    if (!c) throw new NotFoundError('consultation', 'submission');
    return service.teacherView(actor, c.id);
  }

  /** Sends the checked text: a new consultation or a reply, and the review marked sent with it. */
  async function post(actor: Actor, target: Review['for'], text: string, reviewId?: string): Promise<TeacherView> {
    try {
      return target.kind === 'ask' ? await create(actor, target, text, reviewId) : await appendReply(actor, target.consultationId, text, reviewId);
    } catch (error) {
      if (error instanceof ConflictError && error.reason === 'consultation.reviewSent') return sentViewOf(actor, target);
      throw error;
    }
  }

  async function create(actor: Actor, target: Extract<Review['for'], { kind: 'ask' }>, text: string, reviewId?: string): Promise<TeacherView> {
    const school = directory.school(target.schoolId);
    const unit = school && directory.intakeUnitFor(school.id);
    if (!school || !unit) throw new ValidationError({ schoolId: school ? 'noIntakeUnit' : 'unknown' });
    const submissionKey = cipher.keyedHash('consultation.submission', `${actor.aadObjectId.toLowerCase()}|${target.nonce}`);
    const now = clock.now();
    const id = newId(now);
    const created = await store.transaction(async (trx) => {
      const counter = await trx
        .insertInto('counters')
        .values({ name: 'consultation', value: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('counters.value', '+', 1) })))
        .returning('value')
        .executeTakeFirstOrThrow();
      const { key, wrapped } = cipher.newDataKey(id);
      await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
      const sealed: Sealed = { teacherAad: actor.aadObjectId.toLowerCase(), text };
      const values: ConsultationTable = {
        id,
        number: counter.value,
        submission_key: submissionKey,
        teacher_key: teacherKey(actor.aadObjectId),
        index_key_id: cipher.indexKeyId,
        teacher_locale: actor.locale,
        unit_id: unit.id,
        school_id: school.id,
        district_id: school.district,
        school_type: school.type,
        school_shown: target.showSchool ? 1 : 0,
        sealed: cipher.seal(key, sealed, aadOf(id)),
        status: 'open',
        created_at: iso(now),
        first_answer_at: null,
        closed_at: null,
        outcome: null,
        led_to_report: 0,
        messages: 0,
        channel_conversation_id: null,
        channel_activity_id: null,
        version: 1,
        purged_at: null,
        updated_at: iso(now),
      };
      if (reviewId) await markSent(trx, reviewId, target, now);
      await trackConsultation(trx, id, () => trx.insertInto('consultations').values(values).execute());
      await outbox.enqueue(
        trx,
        {
          dedupeKey: `consultation.posted:${id}`,
          target: { kind: 'channel', unitId: unit.id, channel: 'consultations' },
          message: { kind: 'consultation.posted', consultationId: id },
          deadlineAt: new Date(now.getTime() + deliveryDeadlineMinutes * 60_000),
        },
        now,
      );
      return values;
    });
    outbox.wake();
    await store.users.update(actor.aadObjectId, { school_id: school.id }, now);
    log.info({ event: 'consultation.asked', id, number: created.number, unit: unit.id }, 'consultation posted to intake');
    return { ...(await view(created)), locale: created.teacher_locale };
  }

  async function appendReply(actor: Actor, id: string, text: string, reviewId?: string): Promise<TeacherView> {
    const now = clock.now();
    await store.transaction(async (trx) => {
      const fresh = await row(id, trx);
      if (fresh.status !== 'open') throw new ConflictError('consultation.closed');
      if (!fresh.channel_conversation_id) throw new ConflictError('consultation.notPosted');
      if (reviewId) await markSent(trx, reviewId, { kind: 'reply', consultationId: id }, now);
      const messageId = await appendMessage(trx, fresh, 'teacher', text, now);
      await outbox.enqueue(
        trx,
        {
          dedupeKey: `consultation.reply:${messageId}`,
          target: { kind: 'thread', unitId: fresh.unit_id, conversationId: fresh.channel_conversation_id },
          message: { kind: 'consultation.reply', consultationId: id, messageId },
        },
        now,
      );
    });
    outbox.wake();
    log.info({ event: 'consultation.replied', id }, 'teacher replied in a consultation');
    return service.teacherView(actor, id);
  }

  const service = {
    /** The school the teacher chose last time (remembered in store.users). */
    async rememberedSchool(actor: Actor): Promise<string | undefined> {
      const user = await store.users.get(actor.aadObjectId);
      return user?.school_id && directory.school(user.school_id) ? user.school_id : undefined;
    },

    originPreview(schoolId: string, showSchool: boolean): Origin | undefined {
      const school = directory.school(schoolId);
      return school ? originOf({ school_id: school.id, district_id: school.district, school_shown: showSchool ? 1 : 0 }) : undefined;
    },

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
      const submissionKey = cipher.keyedHash('consultation.submission', `${actor.aadObjectId.toLowerCase()}|${input.nonce}`);
      const submissionKeys = cipher.keyedHashes('consultation.submission', `${actor.aadObjectId.toLowerCase()}|${input.nonce}`);
      const existing = await store.db.selectFrom('consultations').selectAll().where('submission_key', 'in', submissionKeys).executeTakeFirst();
      if (existing) return { kind: 'sent', view: { ...(await view(existing)), locale: existing.teacher_locale } };

      const pending = await reviewByKey(actor, submissionKeys);
      const verdict = guard(trimmed, pending?.state?.kept ?? [], school.id, input.showSchool);
      const target: Review['for'] = { kind: 'ask', nonce: input.nonce, schoolId: school.id, showSchool: input.showSchool };
      if (verdict.kind === 'review') return saveReview(actor, submissionKey, pending, { for: target, ...verdict.state });
      return { kind: 'sent', view: await post(actor, target, verdict.text, pending?.state ? pending.row.id : undefined) };
    },

    /** The channel card's view: never who asked. */
    async channelView(id: string): Promise<ChannelView> {
      return view(await row(id));
    },

    /** The teacher's view of their own consultation. */
    async teacherView(actor: Actor, id: string): Promise<TeacherView> {
      const c = await row(id);
      await assertTeacher(actor, c, 'consultation.view');
      return { ...(await view(c)), locale: c.teacher_locale };
    },

    /** For the outbox renderers: the view in the teacher's language, without an actor. */
    async viewForDelivery(id: string): Promise<TeacherView> {
      const c = await row(id);
      return { ...(await view(c)), locale: c.teacher_locale };
    },

    /** The intake team that may answer and close (membership is checked by the caller, over Teams). */
    async unitOf(id: string) {
      const c = await row(id);
      const unit = directory.intakeUnit(c.unit_id);
      if (!unit) throw new NotFoundError('intakeUnit', c.unit_id);
      return unit;
    },

    /** For a press that changes nothing: refused (and audited) unless a member of the unit's team. */
    async checkIntake(actor: Actor, id: string, isMember: IsMember): Promise<void> {
      await assertIntake(actor, id, 'consultation.intake', isMember);
    },

    /** Intake answers; the answer is relayed to the teacher's 1:1 chat. Members of the unit's team only. */
    async answer(actor: Actor, id: string, text: string, isMember: IsMember): Promise<ChannelView> {
      await assertIntake(actor, id, 'consultation.answer', isMember);
      const answer = cleanText(text, 'answer', MAX_MESSAGE);
      const now = clock.now();
      await store.transaction(async (trx) => {
        const c = await row(id, trx);
        if (c.status !== 'open') throw new ConflictError('consultation.closed');
        const sealed = await sealedOf(c, trx);
        if (!sealed) throw new NotFoundError('consultation', id);
        const messageId = await appendMessage(trx, c, 'intake', answer, now);
        await outbox.enqueue(
          trx,
          { dedupeKey: `consultation.answer:${messageId}`, target: { kind: 'user', aadObjectId: sealed.teacherAad }, message: { kind: 'consultation.answer', consultationId: id, messageId } },
          now,
        );
        await store.audit.append(trx, { actor: actor.aadObjectId, action: 'consultation.answer', subject: `consultation:${id}`, outcome: 'allowed' }, now);
      });
      outbox.wake();
      log.info({ event: 'consultation.answered', id }, 'intake answered a consultation');
      return service.channelView(id);
    },

    /** The teacher replies in the thread; the same guard runs before it leaves the chat. */
    async reply(actor: Actor, id: string, text: string): Promise<Review | { kind: 'sent'; view: TeacherView }> {
      const c = await row(id);
      await assertTeacher(actor, c, 'consultation.reply');
      if (c.status !== 'open') throw new ConflictError('consultation.closed');
      const cleaned = cleanText(text, 'reply', MAX_MESSAGE);
      const key = replyKey(actor, id);
      const pending = await reviewByKey(actor, cipher.keyedHashes('consultation.replyReview', `${actor.aadObjectId.toLowerCase()}|${id}`));
      const verdict = guard(cleaned, pending?.state?.kept ?? [], c.school_id, c.school_shown === 1);
      const target: Review['for'] = { kind: 'reply', consultationId: id };
      if (verdict.kind === 'review') return saveReview(actor, key, pending, { for: target, ...verdict.state });
      return { kind: 'sent', view: await post(actor, target, verdict.text, pending?.state ? pending.row.id : undefined) };
    },

    /** The review, for its card (the teacher who wrote it only). */
    async review(actor: Actor, reviewId: string): Promise<Review> {
      const loaded = await loadReview(actor, reviewId);
      if (!loaded.state) throw new ConflictError('consultation.reviewSent');
      return reviewOf(loaded.row, loaded.state);
    },

    /**
     * "Det är inget namn" (restore) or "Byt ut igen" (replace again) on one hit. `pressed` is the
     * button's data from the client: checked against the server's own list of hits and version,
     * so no other word, and no word from another version of the card, can be restored.
     */
    async restore(actor: Actor, reviewId: string, pressed: unknown, restore: boolean): Promise<Review> {
      const { row: r, state } = await loadReview(actor, reviewId);
      if (!state) throw new ConflictError('consultation.reviewSent');
      if (!StaleVersion(r.version).safeParse(pressed).success) throw new ConflictError('consultation.reviewChanged');
      const ids = state.hits.map((_, i) => String(i));
      const parsed = z.object({ hit: z.enum(ids as [string, ...string[]]) }).safeParse(pressed);
      if (!ids.length || !parsed.success) throw new ValidationError({ hit: 'invalid' });
      const i = Number(parsed.data.hit);
      const hit = state.hits[i]!;
      const restored = new Set(state.restored);
      const kept = new Set(state.kept);
      if (restore) {
        restored.add(i);
        kept.add(hitKey(hit));
      } else {
        restored.delete(i);
        // Replaced again: the same word elsewhere in the text is not restored on a later check.
        if (!state.hits.some((h, j) => j !== i && restored.has(j) && hitKey(h) === hitKey(hit))) kept.delete(hitKey(hit));
      }
      const next: ReviewState = { ...state, restored: [...restored].sort((a, b) => a - b), kept: [...kept] };
      const key = await reviewKey(r.id);
      const now = clock.now();
      const res = await store.db
        .updateTable('consultation_reviews')
        .set({ sealed: cipher.seal(key, next, reviewAad(r.id)), version: r.version + 1, updated_at: iso(now) })
        .where('id', '=', r.id)
        .where('version', '=', r.version)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('consultation.reviewChanged');
      log.info({ event: 'consultation.review.restore', review: r.id, restore }, restore ? 'teacher restored a replaced word' : 'teacher replaced a word again');
      return reviewOf({ ...r, version: r.version + 1 }, next);
    },

    /**
     * "Skicka" on the review card: sends the server's cleaned text (placeholders in, restored
     * words back), never text from the client. A press on an older version of the card is not
     * sent (the route shows the current one); a second press on a sent review answers as the first.
     */
    async confirm(actor: Actor, reviewId: string, pressed: unknown): Promise<{ kind: 'stale'; review: Review } | { kind: 'sent'; view: TeacherView; again: boolean; target: Review['for'] }> {
      const { row: r, state, for: target } = await loadReview(actor, reviewId);
      if (!state) return { kind: 'sent', view: await sentViewOf(actor, target), again: true, target };
      const review = reviewOf(r, state);
      if (!StaleVersion(r.version).safeParse(pressed).success) return { kind: 'stale', review };
      return { kind: 'sent', view: await post(actor, target, review.outgoing, r.id), again: false, target };
    },

    /** What a review is (or was) for, sent or not: the teacher's own only. */
    async reviewFor(actor: Actor, reviewId: string): Promise<Review['for']> {
      return (await loadReview(actor, reviewId)).for;
    },

    /** "Ändra texten": what the teacher edits is what would have been sent, placeholders and all. */
    async editText(actor: Actor, reviewId: string): Promise<{ for: Review['for']; text: string }> {
      const review = await service.review(actor, reviewId);
      return { for: review.for, text: review.outgoing };
    },

    /** "Avbryt": the review and its data key are gone; nothing was sent. */
    async cancel(actor: Actor, reviewId: string): Promise<void> {
      const { row: r } = await loadReview(actor, reviewId);
      await store.transaction(async (trx) => {
        await store.dataKeys.destroy(trx, [r.id]);
        await trx.deleteFrom('consultation_reviews').where('id', '=', r.id).execute();
      });
      log.info({ event: 'consultation.review.cancelled', review: r.id }, 'teacher cancelled a consultation text under review');
    },

    /**
     * Intake closes with an outcome, and a last answer if one was typed (the closing card carries it
     * to the teacher); the teacher is told, with a report button on "Gör en anmälan".
     */
    async close(actor: Actor, id: string, outcome: Outcome, lastAnswer: string | undefined, isMember: IsMember): Promise<ChannelView> {
      await assertIntake(actor, id, 'consultation.close', isMember);
      const answer = lastAnswer?.trim() ? cleanText(lastAnswer, 'answer', MAX_MESSAGE) : undefined;
      const now = clock.now();
      await store.transaction(async (trx) => {
        let c = await row(id, trx);
        if (c.status !== 'open') throw new ConflictError('consultation.closed');
        const sealed = await sealedOf(c, trx);
        if (answer) {
          await appendMessage(trx, c, 'intake', answer, now);
          c = await row(id, trx);
        }
        const res = await trackConsultation(trx, id, () =>
          trx
            .updateTable('consultations')
            .set({ status: 'closed', outcome, closed_at: iso(now), version: c.version + 1, updated_at: iso(now) })
            .where('id', '=', id)
            .where('version', '=', c.version)
            .executeTakeFirst(),
        );
        if (Number(res.numUpdatedRows) !== 1) throw new ConflictError('consultation.changed');
        if (sealed) {
          await outbox.enqueue(
            trx,
            { dedupeKey: `consultation.closed:${id}`, target: { kind: 'user', aadObjectId: sealed.teacherAad }, message: { kind: 'consultation.closed', consultationId: id } },
            now,
          );
        }
        await store.audit.append(trx, { actor: actor.aadObjectId, action: 'consultation.close', subject: `consultation:${id}`, outcome: 'allowed', detail: { outcome } }, now);
      });
      outbox.wake();
      log.info({ event: 'consultation.closed', id, outcome }, 'consultation closed');
      return service.channelView(id);
    },

    /** The onSent hook: the channel card's thread and activity, for in-place updates and replies. */
    async rememberCard(trx: Tx, id: string, result: { activityId?: string; conversationId?: string }): Promise<void> {
      await trx
        .updateTable('consultations')
        .set({ channel_conversation_id: result.conversationId ?? null, channel_activity_id: result.activityId ?? null })
        .where('id', '=', id)
        .execute();
    },

    /** The question is not in the channel in time: tell the teacher, who may phone instead. */
    async deliveryDelayed(id: string): Promise<void> {
      const c = await row(id);
      const sealed = await sealedOf(c);
      if (!sealed) return;
      const now = clock.now();
      await store.transaction((trx) =>
        outbox.enqueue(trx, { dedupeKey: `consultation.delayed:${id}`, target: { kind: 'user', aadObjectId: sealed.teacherAad }, message: { kind: 'consultation.delayed', consultationId: id } }, now),
      );
      outbox.wake();
      log.warn({ event: 'consultation.delayed', id }, 'consultation not in the channel by its deadline; the teacher is told');
    },

    async channelCardOf(id: string): Promise<{ unitId: string; conversationId: string; activityId: string } | undefined> {
      const c = await row(id);
      return c.channel_conversation_id && c.channel_activity_id ? { unitId: c.unit_id, conversationId: c.channel_conversation_id, activityId: c.channel_activity_id } : undefined;
    },

    /**
     * The consultation's text, to prefill a report, for the teacher who asked and nobody else.
     * Starting a report is not yet a report: the consultation counts as having led to one when
     * the report is sent (`markLedToReport`, in the report's own transaction).
     */
    async textForReport(actor: Actor, id: string): Promise<string> {
      const c = await row(id);
      await assertTeacher(actor, c, 'consultation.textForReport');
      const sealed = await sealedOf(c);
      if (!sealed) throw new NotFoundError('consultation', id);
      return sealed.text;
    },

    /** The teacher's own consultations, newest first (found by the keyed hash). */
    async mine(actor: Actor, limit = 10) {
      const rows = await store.db
        .selectFrom('consultations')
        .select(['id', 'number', 'status', 'outcome', 'created_at'])
        .where('teacher_key', 'in', teacherKeys(actor.aadObjectId))
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, pseudonym: pseudonymOf(r.number), open: r.status === 'open', outcome: r.outcome ?? undefined, createdAt: new Date(r.created_at) }));
    },

    /**
     * Retention: the text of a consultation closed more than `retentionDays` ago is purged (its
     * data key destroyed, its sealed columns emptied); the statistics columns stay. Returns how many.
     */
    async purgeExpired(now: Date): Promise<number> {
      await closeAbandoned(now);
      await purgeReviews(now);
      let total = 0;
      for (;;) {
        const n = await purgeBatch(now);
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    },
  };

  /**
   * Retention for consultations nobody closed: after `maxOpenDays` without a message they are
   * closed without an outcome (counted as such in the statistics), so their text is purged
   * `retentionDays` later like any closed one. An answer pressed later on the old card is refused
   * as "closed".
   */
  async function closeAbandoned(now: Date): Promise<number> {
    const before = iso(new Date(now.getTime() - maxOpenDays * 86_400_000));
    return store.transaction(async (trx) => {
      const ids = (await trx.selectFrom('consultations').select('id').where('status', '=', 'open').where('updated_at', '<=', before).execute()).map((r) => r.id);
      for (let i = 0; i < ids.length; i += 200) {
        await trx
          .updateTable('consultations')
          .set({ status: 'closed', closed_at: iso(now), updated_at: iso(now), version: sql`version + 1` })
          .where('id', 'in', ids.slice(i, i + 200))
          .where('status', '=', 'open')
          .execute();
      }
      if (ids.length) {
        await store.audit.append(trx, { actor: 'system', action: 'consultation.closedUnused', subject: 'retention', outcome: 'allowed', detail: { count: ids.length } }, now);
        log.info({ event: 'consultation.closedUnused', count: ids.length }, 'consultations left open closed by retention');
      }
      return ids.length;
    });
  }

  /** Reviews neither sent nor cancelled, and sent ones (kept for a repeated press), after `reviewDays`. */
  async function purgeReviews(now: Date): Promise<number> {
    const before = iso(new Date(now.getTime() - reviewDays * 86_400_000));
    return store.transaction(async (trx) => {
      const ids = (await trx.selectFrom('consultation_reviews').select('id').where('updated_at', '<', before).limit(PURGE_BATCH).execute()).map((r) => r.id);
      if (!ids.length) return 0;
      await store.dataKeys.destroy(trx, ids);
      await trx.deleteFrom('consultation_reviews').where('id', 'in', ids).execute();
      log.info({ event: 'consultation.review.purged', count: ids.length }, 'consultation reviews purged');
      return ids.length;
    });
  }

  /** One batch of the retention purge (see purgeExpired). */
  async function purgeBatch(now: Date): Promise<number> {
    const before = iso(new Date(now.getTime() - retentionDays * 86_400_000));
    const due = await store.db
      .selectFrom('consultations')
      .select('id')
      .where('status', '=', 'closed')
      .where('closed_at', '<=', before)
      .where('purged_at', 'is', null)
      .limit(PURGE_BATCH)
      .execute();
    const ids = due.map((r) => r.id);
    if (ids.length === 0) return 0;
    const messageIds = (await store.db.selectFrom('consultation_messages').select('id').where('consultation_id', 'in', ids).execute()).map((m) => m.id);
    // Sent messages to the teacher name their Entra id (target) and 1:1 chat (result): once the
    // text is gone, so is that link between the teacher and the consultation.
    const toTeacher = [
      ...ids.flatMap((id) => [`consultation.closed:${id}`, `consultation.delayed:${id}`]),
      ...messageIds.map((m) => `consultation.answer:${m}`),
    ];
    await store.transaction(async (trx) => {
      for (let i = 0; i < toTeacher.length; i += 200) {
        await trx
          .updateTable('outbox')
          .set({ target: JSON.stringify({ kind: 'user', aadObjectId: 'purged' }), result: null })
          .where('dedupe_key', 'in', toTeacher.slice(i, i + 200))
          .where('status', '!=', 'pending')
          .execute();
      }
      await trx.updateTable('consultations').set({ sealed: null, purged_at: iso(now), updated_at: iso(now) }).where('id', 'in', ids).execute();
      await trx.updateTable('consultation_messages').set({ sealed: null }).where('consultation_id', 'in', ids).execute();
      await store.dataKeys.destroy(trx, ids);
    });
    log.info({ event: 'consultation.purged', count: ids.length }, 'consultation texts purged');
    return ids.length;
  }

  outbox.on('consultation.posted', {
    onSent: async (message, result, trx) => service.rememberCard(trx, String(message.consultationId), result),
    onDeadline: async (message) => service.deliveryDelayed(String(message.consultationId)),
  });

  return service;
}
export type Consultations = ReturnType<typeof makeConsultations>;
