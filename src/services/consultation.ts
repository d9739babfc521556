import { sql } from 'kysely';
import type { Logger } from '../log';
import type { Actor } from './actor';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from './errors';
import { trackConsultation } from './stat-rollup';
import type { Directory } from './municipality';
import type { Outbox } from './outbox';
import { checkText, placeTerms, type PiiHit } from './pii';
import { newId, type Store, type Tx } from './store';
import type { ConsultationTable } from './store/schema';

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
  /** Weak hits (names, addresses) the teacher has seen and let stand. */
  accepted: string[];
}

/** The guard's verdict shown to the teacher before anything leaves the chat. */
export interface Review {
  kind: 'review';
  text: string;
  removed: PiiHit[];
  flagged: PiiHit[];
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
}

interface Sealed {
  teacherAad: string;
  text: string;
}

const iso = (d: Date) => d.toISOString();
export const pseudonymOf = (n: number) => `K-${String(n).padStart(4, '0')}`;
const aadOf = (id: string) => `consultation:${id}`;
const messageAad = (id: string, messageId: string) => `consultation:${id}:message:${messageId}`;

export function makeConsultations({ store, clock, log, cipher, directory, outbox, retentionDays, maxOpenDays = 180, deliveryDeadlineMinutes = 15, extraNames = () => [] }: ConsultationDeps) {
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

  /** Strong hits are always removed; weak ones need the teacher's confirmation once seen. */
  function guard(text: string, accepted: string[], schoolId: string, showSchool: boolean): Review | { kind: 'clean'; text: string } {
    // A teacher who chose not to show the school is warned when the text names one.
    const places = showSchool ? [] : directory.municipality.schools.flatMap((x) => placeTerms(x.name));
    const result = checkText(text, extraNames(schoolId), places);
    const unseen = result.flagged.filter((h) => !accepted.includes(h.value));
    if (result.removed.length || unseen.length) return { kind: 'review', text: result.cleaned, removed: result.removed, flagged: result.flagged };
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
     * Asks the intake unit. Returns a review when the guard removed something or found names or
     * addresses the teacher has not yet seen; otherwise posts under a pseudonym.
     */
    async ask(actor: Actor, input: AskInput): Promise<Review | { kind: 'sent'; view: TeacherView }> {
      const school = directory.school(input.schoolId);
      if (!school) throw new ValidationError({ schoolId: 'unknown' });
      const unit = directory.intakeUnitFor(school.id);
      if (!unit) throw new ValidationError({ schoolId: 'noIntakeUnit' });
      if (!/^[A-Za-z0-9_-]{8,64}$/.test(input.nonce)) throw new ValidationError({ nonce: 'invalid' });
      const text = cleanText(input.text, 'text');
      const submissionKey = cipher.keyedHash('consultation.submission', `${actor.aadObjectId.toLowerCase()}|${input.nonce}`);
      const submissionKeys = cipher.keyedHashes('consultation.submission', `${actor.aadObjectId.toLowerCase()}|${input.nonce}`);
      const existing = await store.db.selectFrom('consultations').selectAll().where('submission_key', 'in', submissionKeys).executeTakeFirst();
      if (existing) return { kind: 'sent', view: { ...(await view(existing)), locale: existing.teacher_locale } };

      const verdict = guard(text, input.accepted, school.id, input.showSchool);
      if (verdict.kind === 'review') return verdict;

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
        const sealed: Sealed = { teacherAad: actor.aadObjectId.toLowerCase(), text: verdict.text };
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
          school_shown: input.showSchool ? 1 : 0,
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
      return { kind: 'sent', view: { ...(await view(created)), locale: created.teacher_locale } };
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
    async reply(actor: Actor, id: string, text: string, accepted: string[]): Promise<Review | { kind: 'sent'; view: TeacherView }> {
      const c = await row(id);
      await assertTeacher(actor, c, 'consultation.reply');
      if (c.status !== 'open') throw new ConflictError('consultation.closed');
      const verdict = guard(cleanText(text, 'reply', MAX_MESSAGE), accepted, c.school_id, c.school_shown === 1);
      if (verdict.kind === 'review') return verdict;
      const now = clock.now();
      await store.transaction(async (trx) => {
        const fresh = await row(id, trx);
        if (fresh.status !== 'open') throw new ConflictError('consultation.closed');
        if (!fresh.channel_conversation_id) throw new ConflictError('consultation.notPosted');
        const messageId = await appendMessage(trx, fresh, 'teacher', verdict.text, now);
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
      return { kind: 'sent', view: await service.teacherView(actor, id) };
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
