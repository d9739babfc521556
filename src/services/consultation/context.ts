import type { Actor } from '../actor';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from '../errors';
import { checkText, placeTerms, type WeakKind } from '../pii';
import { trackConsultation } from '../stat-rollup';
import { newId, type Tx } from '../store';
import * as consultationRows from '../store/consultations';
import type { Consultation } from '../store/consultations';
import { addMessage, hitKey, pseudonymOf } from './transitions';
import type { ChannelView, ConsultationDeps, IsMember, Origin, ReviewState, Sealed } from './types';

export const aadOf = (id: string) => `consultation:${id}`;
export const messageAad = (id: string, messageId: string) => `consultation:${id}:message:${messageId}`;
export const reviewAad = (id: string) => `consultation-review:${id}`;

export type Context = ReturnType<typeof makeContext>;

/** What every consultation use case shares: keys, loading, the views, the guard and the access checks. */
export function makeContext(deps: ConsultationDeps) {
  const { store, clock, log, cipher, directory, extraNames = () => [] } = deps;
  const teacherKey = (aadObjectId: string) => cipher.keyedHash('consultation.teacher', aadObjectId.toLowerCase());
  /** The teacher's keyed hash under every configured index key (rows not yet rehashed in a rotation). */
  const teacherKeys = (aadObjectId: string) => cipher.keyedHashes('consultation.teacher', aadObjectId.toLowerCase());
  const submission = (actor: Actor, nonce: string) => `${actor.aadObjectId.toLowerCase()}|${nonce}`;

  async function load(id: string, trx: Tx = store.db): Promise<Consultation> {
    const found = await consultationRows.findConsultation(trx, id);
    if (!found) throw new NotFoundError('consultation', id);
    return found;
  }

  async function keyOf(id: string, trx: Tx = store.db): Promise<Buffer | undefined> {
    const k = await store.dataKeys.get(id, trx);
    return k ? cipher.unwrap(id, { masterKeyId: k.master_key_id, wrapped: k.wrapped }) : undefined;
  }

  async function sealedOf(c: Consultation, trx: Tx = store.db): Promise<Sealed | undefined> {
    if (!c.sealed) return undefined;
    const key = await keyOf(c.id, trx);
    return key ? cipher.open<Sealed>(key, c.sealed, aadOf(c.id)) : undefined;
  }

  function originOf(c: Pick<Consultation, 'schoolId' | 'districtId' | 'schoolShown'>): Origin {
    const school = directory.school(c.schoolId);
    if (c.schoolShown && school) return { kind: 'school', schoolName: school.name };
    return { kind: 'area', level: school?.level ?? 'annan', districtName: directory.district(c.districtId)?.name ?? c.districtId };
  }

  async function view(c: Consultation): Promise<ChannelView> {
    const key = c.sealed ? await keyOf(c.id) : undefined;
    const sealed = key && c.sealed ? cipher.open<Sealed>(key, c.sealed, aadOf(c.id)) : undefined;
    const messages = await consultationRows.messagesOf(store.db, c.id);
    return {
      id: c.id,
      pseudonym: pseudonymOf(c.number),
      origin: originOf(c),
      createdAt: c.createdAt,
      ...(sealed ? { question: sealed.text } : {}),
      messages: messages.map((m) => ({
        id: m.id,
        author: m.author,
        at: m.at,
        ...(key && m.sealed ? { text: cipher.open<string>(key, m.sealed, messageAad(c.id, m.id)) } : {}),
      })),
      open: c.status === 'open',
      ...(c.outcome ? { outcome: c.outcome } : {}),
      ...(c.closedAt ? { closedAt: c.closedAt } : {}),
    };
  }

  /**
   * Strong hits are always removed; weak ones (names, addresses, postal codes, the school's name)
   * are replaced in what is sent unless the teacher restored that very word in this review.
   */
  function guard(
    text: string,
    kept: readonly string[],
    schoolId: string,
    showSchool: boolean,
  ): { kind: 'review'; state: Omit<ReviewState, 'for'> } | { kind: 'clean'; text: string } {
    // A teacher who chose not to show the school is warned when the text names one.
    const places = showSchool ? [] : directory.municipality.schools.flatMap((x) => placeTerms(x.name));
    const result = checkText(text, extraNames(schoolId), places);
    const hits = result.flagged.map((h) => ({ kind: h.kind as WeakKind, value: h.value, start: h.start, end: h.end }));
    const restored = hits.flatMap((h, i) => (kept.includes(hitKey(h)) ? [i] : []));
    if (result.removed.length || restored.length < hits.length)
      return { kind: 'review', state: { text: result.cleaned, hits, restored, removed: result.removed.length, kept: [...kept] } };
    return { kind: 'clean', text: result.cleaned };
  }

  /** A refused press, audited (who tried, on what; no content). */
  async function refuse(actor: Actor, id: string, action: string): Promise<void> {
    await store.transaction((trx) =>
      store.audit.append(trx, { actor: actor.aadObjectId, action, subject: `consultation:${id}`, outcome: 'refused' }, clock.now()),
    );
    log.warn({ event: 'consultation.refused', id, action }, 'consultation action refused');
  }

  async function assertTeacher(actor: Actor, c: Consultation, action: string): Promise<void> {
    if (teacherKeys(actor.aadObjectId).includes(c.teacherKey)) return;
    await refuse(actor, c.id, action);
    throw new NotAllowedError(action);
  }

  /** Intake actions: members of the unit's Teams team only (asked of Teams by the caller's turn). */
  async function assertIntake(actor: Actor, id: string, action: string, isMember: IsMember): Promise<void> {
    const c = await load(id);
    const unit = directory.intakeUnit(c.unitId);
    if (unit && (await isMember(unit.teamId))) return;
    await refuse(actor, id, action);
    throw new NotAllowedError(action);
  }

  /** Adds a message (sealed with the consultation's key) in the caller's transaction; returns its id. */
  async function appendMessage(trx: Tx, c: Consultation, author: 'intake' | 'teacher', text: string, now: Date): Promise<string> {
    const key = await keyOf(c.id, trx);
    if (!key) throw new NotFoundError('consultation', c.id);
    const messageId = newId(now);
    const next = addMessage(c, author, now);
    const saved = await trackConsultation(trx, c.id, () => consultationRows.saveConsultationChange(trx, c, next));
    if (!saved) throw new ConflictError('consultation.changed');
    await consultationRows.insertMessage(trx, c.id, {
      id: messageId,
      seq: next.messages,
      author,
      at: now,
      sealed: cipher.seal(key, text, messageAad(c.id, messageId)),
    });
    return messageId;
  }

  /** A school the directory knows, with an intake unit, or a ValidationError. */
  function schoolAndUnit(schoolId: string) {
    const school = directory.school(schoolId);
    const unit = school && directory.intakeUnitFor(school.id);
    if (!school || !unit) throw new ValidationError({ schoolId: school ? 'noIntakeUnit' : 'unknown' });
    return { school, unit };
  }

  return {
    ...deps,
    maxOpenDays: deps.maxOpenDays ?? 180,
    deliveryDeadlineMinutes: deps.deliveryDeadlineMinutes ?? 15,
    reviewDays: deps.reviewDays ?? 30,
    teacherKey,
    teacherKeys,
    submission,
    load,
    keyOf,
    sealedOf,
    originOf,
    view,
    guard,
    refuse,
    assertTeacher,
    assertIntake,
    appendMessage,
    schoolAndUnit,
  };
}
