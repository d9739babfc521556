import type { Config } from '../config';
import type { Logger } from '../log';
import type { Actor, Locale } from './actor';
import type { Clock } from './clock';
import type { Cipher } from './crypto';
import { decisionDue, protectionDue, stockholmDate, stockholmMonth } from './deadlines';
import { isBeforeHoliday } from './school-holidays';
import { isOpen } from './office-hours';
import { ConflictError, NotAllowedError, NotFoundError, ValidationError } from './errors';
import { markLedToReport, trackReport } from './stat-rollup';
import { memberUnits, referenceSubject } from './intake-access';
import type { Directory } from './municipality';
import type { Outbox } from './outbox';
import {
  CARD_TEXT_BYTES,
  cardTextBytes,
  checkPersonnummer,
  fieldsOf,
  isComplete,
  missingSteps,
  oversize,
  pageOf,
  pageSteps,
  pages,
  steps,
  validateStep,
  wishesPreset,
  type DraftContent,
  type FieldErrors,
  type Page,
  type ReportContent,
  type Step,
} from './report-model';
import { newId, type Store, type Tx } from './store';
import * as reportRows from './store/reports';
import type { ReportTable } from './store/schema';

export interface ReportsDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  outbox: Outbox;
}

export interface Draft {
  id: string;
  step: Step | 'review';
  content: DraftContent;
  updatedAt: Date;
  /** When the draft was started (its first step): the statistics' "draft to sending". */
  createdAt: Date;
}

export type Report = ReportTable;

/** What the teacher's Teams profile offers to prefill the reporter step. */
export interface Profile {
  name: string;
  email?: string;
}

export const channelCardKind = 'report.channelCard';
export const deliveryDelayedKind = 'report.deliveryDelayed';

export function makeReports({ config, store, clock, log, cipher, directory, outbox }: ReportsDeps) {
  const iso = (d: Date) => d.toISOString();

  async function keyFor(recordId: string, trx: Tx = store.db): Promise<Buffer> {
    const row = await store.dataKeys.get(recordId, trx);
    if (!row) throw new NotFoundError('data key', recordId);
    return cipher.unwrap(recordId, { masterKeyId: row.master_key_id, wrapped: row.wrapped });
  }

  /**
   * Someone tried to reach a draft or report that is not theirs. The answer stays "not found"
   * (which reveals nothing), but the attempt is audited like every other refusal.
   */
  async function refuse(actor: Actor, what: 'draft' | 'report', action: string, subject: string): Promise<never> {
    await store.transaction((trx) => store.audit.append(trx, { actor: actor.aadObjectId, action, subject, outcome: 'refused' }, clock.now()));
    log.warn({ event: 'access.refused', action }, 'refused: not the owner');
    throw new NotFoundError(what, subject);
  }

  async function loadDraft(actor: Actor, draftId: string): Promise<Draft> {
    const row = await reportRows.draftById(store.db, draftId);
    if (!row) throw new NotFoundError('draft', draftId);
    if (row.ownerAad !== actor.aadObjectId) return refuse(actor, 'draft', 'draft.access', `draft:${draftId}`);
    const content = cipher.open<DraftContent>(await keyFor(row.id), row.sealed, `draft:${row.id}`);
    return { id: row.id, step: row.step as Step | 'review', content, updatedAt: row.updatedAt, createdAt: row.createdAt };
  }

  async function saveDraft(draft: Draft): Promise<Draft> {
    const now = clock.now();
    const sealed = cipher.seal(await keyFor(draft.id), draft.content, `draft:${draft.id}`);
    await reportRows.saveDraft(store.db, draft.id, draft.step, sealed, now);
    return { ...draft, updatedAt: now };
  }

  async function createDraft(actor: Actor, content: DraftContent): Promise<Draft> {
    const now = clock.now();
    const id = newId(now);
    const { key, wrapped } = cipher.newDataKey(id);
    await store.transaction(async (trx) => {
      await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
      await reportRows.addDraft(trx, { id, ownerAad: actor.aadObjectId, step: nextStep(content), sealed: cipher.seal(key, content, `draft:${id}`) }, now);
    });
    log.info({ event: 'draft.created', draft: id }, 'report draft started');
    return { id, step: nextStep(content), content, updatedAt: now, createdAt: now };
  }

  function nextStep(content: DraftContent): Step | 'review' {
    return missingSteps(content)[0] ?? 'review';
  }

  /** The reporter from the Teams profile, with the phone and role remembered from their last report. */
  async function reporterPrefill(actor: Actor, profile: Profile): Promise<Record<string, string>> {
    const user = await store.users.get(actor.aadObjectId);
    return {
      reporterName: profile.name,
      ...(profile.email ? { reporterEmail: profile.email } : {}),
      ...(user?.phone ? { reporterPhone: user.phone } : {}),
      ...(user?.role ? { reporterRole: user.role } : {}),
    };
  }

  /**
   * Is the reporter a principal (statistics: is the personal duty handed to principals? Herrljunga
   * 2018, Kinda 2019)? A principal of any school in the municipality file, or a role given as rektor
   * or förskolechef (biträdande rektor too: a school leader all the same).
   */
  function isPrincipalReporter(actor: Actor, role: string): boolean {
    return directory.schoolsOfPrincipal(actor.aadObjectId).length > 0 || /rektor|förskolechef|principal/iu.test(role);
  }

  const isPage = (x: Step | Page): x is Page => (pages as readonly string[]).includes(x);
  const typedValues = (raw: Record<string, unknown>, fields: string[]) =>
    Object.fromEntries(Object.entries(raw).filter(([k, v]) => (typeof v === 'string' || typeof v === 'boolean') && fields.includes(k))) as Record<string, string | boolean>;
  const storedValues = (o: object | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean')) as Record<string, string | boolean>;

  /**
   * A step's values from a card: what the card sent, over what the draft already holds (an input a
   * client leaves out, e.g. inside a collapsed part of the card, keeps its value). The wishes start
   * pre-set.
   */
  function valuesFor(draft: Draft, step: Step, raw: Record<string, unknown>): Record<string, string | boolean> {
    return {
      ...(step === 'wishes' ? wishesPreset : {}),
      ...storedValues(draft.content[step]),
      ...(draft.content.prefill?.[step] ?? {}),
      ...typedValues(raw, fieldsOf(step)),
    };
  }

  /** A card's step(s) and whether the sibling rule still holds them for review. */
  const stepsOf = (what: Step | Page): readonly Step[] => (isPage(what) ? pageSteps[what] : [what]);

  async function nextReference(trx: Tx, at: Date): Promise<string> {
    const year = stockholmMonth(at).slice(0, 4);
    return `VÄ-${year}-${String(await store.references.nextReportNumber(trx, year)).padStart(5, '0')}`;
  }

  const isUnique = (error: unknown) => /unique|duplicate/i.test((error as Error).message ?? '');

  const service = {
    /** The teacher's drafts, newest first (for "Fortsätt utkast"). */
    async drafts(actor: Actor): Promise<Array<{ id: string; step: string; updatedAt: Date }>> {
      return reportRows.draftsOf(store.db, actor.aadObjectId);
    },

    /** Starts a report: the acute check first. The reporter step is prefilled from the profile. */
    async start(actor: Actor, profile: Profile, from: { consultationText?: string; consultationId?: string } = {}): Promise<Draft> {
      const user = await store.users.get(actor.aadObjectId);
      const prefill: DraftContent['prefill'] = { reporter: await reporterPrefill(actor, profile) };
      if (user?.school_id && directory.school(user.school_id)) prefill.child = { schoolId: user.school_id };
      if (from.consultationText) prefill.concern = { observed: from.consultationText };
      return createDraft(actor, { prefill, ...(from.consultationId ? { fromConsultation: from.consultationId } : {}) });
    },

    /**
     * A sibling gets a report of their own, prefilled from the first. The child step is empty; the
     * concern step is prefilled with the facts but not the first child's own words (they are that
     * child's, not the sibling's), and is left for the teacher to review: not marked complete.
     */
    async startSibling(actor: Actor, reference: string): Promise<Draft> {
      const report = await reportRows.reportByReference(store.db, reference);
      if (report && report.reporter_aad !== actor.aadObjectId) return refuse(actor, 'report', 'report.sibling', report.reference);
      if (!report || !report.sealed) throw new NotFoundError('report', reference);
      const content = cipher.open<ReportContent>(await keyFor(report.id), report.sealed, `report:${report.id}`);
      const { aadObjectId: _aad, ...reporter } = content.reporter;
      const asStrings = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string | boolean>;
      const { childWords: _words, ...facts } = content.concern;
      return createDraft(actor, {
        acute: content.acute,
        guardians: content.guardians,
        reporter,
        wishes: content.wishes,
        prefill: {
          child: { schoolId: content.child.schoolId, ...(content.child.address ? { address: content.child.address } : {}) },
          concern: asStrings(facts),
          reporter: asStrings(reporter),
        },
      });
    },

    get: loadDraft,

    /**
     * Saves a card (one of the three pages, or a single step from a card sent before the form had
     * three). A bad value comes back with its error and every typed value kept (also in the stored
     * draft, so a restart loses nothing); the steps that are right are kept as done. When all are
     * right the draft moves on to the first step still missing: its card comes next.
     */
    async saveStep(actor: Actor, draftId: string, what: Step | Page, raw: Record<string, unknown>): Promise<{ draft: Draft; errors?: FieldErrors }> {
      const draft = await loadDraft(actor, draftId);
      const stepList = stepsOf(what);
      const values = new Map(stepList.map((step) => [step, valuesFor(draft, step, raw)] as const));
      for (const [step, v] of values) {
        const tooLong = oversize(step, v);
        if (tooLong) throw new ValidationError({ [tooLong.field]: `tooLong:${tooLong.max}:${tooLong.length}` });
      }
      if (cardTextBytes([...values.values()]) > CARD_TEXT_BYTES) throw new ValidationError({ _card: 'cardTooLarge' });
      const errors: FieldErrors = {};
      const ctx = { at: clock.now(), knownSchool: (id: string) => !!directory.school(id) };
      for (const [step, v] of values) {
        const result = validateStep(step, v, ctx);
        if (!result.ok) {
          Object.assign(errors, result.errors);
          draft.content.prefill = { ...draft.content.prefill, [step]: v };
          delete (draft.content as Record<string, unknown>)[step];
          continue;
        }
        (draft.content as Record<string, unknown>)[step] = result.data;
        if (draft.content.prefill) delete draft.content.prefill[step];
        if (step === 'child') await store.users.update(actor.aadObjectId, { school_id: (result.data as { schoolId: string }).schoolId }, clock.now());
        if (step === 'reporter') {
          const r = result.data as { reporterPhone: string; reporterRole: string };
          await store.users.update(actor.aadObjectId, { phone: r.reporterPhone, role: r.reporterRole }, clock.now());
        }
      }
      if (Object.keys(errors).length) {
        draft.step = stepList[0]!;
        return { draft: await saveDraft(draft), errors };
      }
      draft.step = nextStep(draft.content);
      return { draft: await saveDraft(draft) };
    },

    /** Keeps what was typed on a card without validating it (back, save for later): nothing is lost. */
    async keepValues(actor: Actor, draftId: string, from: Step | Page, raw: Record<string, unknown>): Promise<Draft> {
      const draft = await loadDraft(actor, draftId);
      let changed = false;
      for (const step of stepsOf(from)) {
        const typed = typedValues(raw, fieldsOf(step));
        if (Object.keys(typed).length === 0) continue;
        const tooLong = oversize(step, typed);
        if (tooLong) throw new ValidationError({ [tooLong.field]: `tooLong:${tooLong.max}:${tooLong.length}` });
        draft.content.prefill = { ...draft.content.prefill, [step]: { ...(draft.content.prefill?.[step] ?? storedValues(draft.content[step])), ...typed } };
        changed = true;
      }
      if (changed && cardTextBytes(stepsOf(from).map((step) => ({ ...storedValues(draft.content[step]), ...(draft.content.prefill?.[step] ?? {}) }))) > CARD_TEXT_BYTES) {
        throw new ValidationError({ _card: 'cardTooLarge' });
      }
      return changed ? saveDraft(draft) : draft;
    },

    /**
     * Go to a card (back, or "Ändra" on the review). The review card is reached once the first two
     * cards are done: the reporter and the wishes are on it.
     */
    async goTo(actor: Actor, draftId: string, to: Step | Page | 'review'): Promise<Draft> {
      const draft = await loadDraft(actor, draftId);
      const page = to === 'review' ? 'sendPage' : isPage(to) ? to : pageOf(to);
      const missing = missingSteps(draft.content).filter((step) => pageOf(step) !== 'sendPage');
      draft.step = page === 'sendPage' ? (missing[0] ?? (isComplete(draft.content) ? 'review' : 'reporter')) : to === 'review' || isPage(to) ? pageSteps[page][0]! : to;
      return saveDraft(draft);
    },

    /** Discarding deletes the draft and its data key: gone, not hidden. */
    async discard(actor: Actor, draftId: string): Promise<void> {
      await loadDraft(actor, draftId);
      await store.transaction(async (trx) => {
        await reportRows.deleteDraft(trx, draftId);
        await store.dataKeys.destroy(trx, [draftId]);
      });
      log.info({ event: 'draft.discarded', draft: draftId }, 'report draft discarded');
    },

    /**
     * Submits the report. Idempotent: the draft id is the submission key, so a double press or a
     * Teams retry returns the one report. Stored encrypted, the channel card queued in the outbox in
     * the same transaction, the draft deleted, the act audited.
     */
    async submit(actor: Actor, draftId: string, locale: Locale): Promise<{ report: Report; created: boolean }> {
      const existing = await reportRows.reportOfSubmission(store.db, draftId);
      if (existing) {
        if (existing.reporter_aad !== actor.aadObjectId) return refuse(actor, 'report', 'report.submit', existing.reference);
        return { report: existing, created: false };
      }
      let draft: Draft;
      try {
        draft = await loadDraft(actor, draftId);
      } catch (error) {
        // A second press that lost the race: the first submit deleted the draft as it stored the
        // report, after this press looked for the report. It gets the one report, like any repeat.
        const winner = error instanceof NotFoundError && (await reportRows.reportOfSubmission(store.db, draftId));
        if (winner && winner.reporter_aad === actor.aadObjectId) return { report: winner, created: false };
        throw error;
      }
      if (!isComplete(draft.content)) throw new ValidationError(Object.fromEntries(missingSteps(draft.content).map((s) => [s, 'required'])));
      const c = draft.content;
      const school = directory.school(c.child.schoolId);
      const unit = school && directory.intakeUnitFor(school.id);
      if (!school || !unit) throw new ValidationError({ schoolId: 'unknownSchool' });
      const now = clock.now();
      const pnr = c.child.pnr ? checkPersonnummer(c.child.pnr, now) : undefined;
      const content: ReportContent = {
        acute: c.acute,
        child: { ...c.child, ...(pnr?.ok ? { pnrNormalized: pnr.normalized, coordinationNumber: pnr.coordination } : {}) },
        guardians: c.guardians,
        concern: c.concern,
        reporter: { ...c.reporter, aadObjectId: actor.aadObjectId },
        wishes: c.wishes,
      };
      const id = newId(now);
      const { key, wrapped } = cipher.newDataKey(id);
      const childKey = pnr?.ok ? cipher.keyedHash('child', pnr.normalized) : null;
      let report: Report;
      try {
        report = await store.transaction(async (trx) => {
          const again = await reportRows.reportOfSubmission(trx, draftId);
          if (again) throw new ConflictError('alreadySubmitted');
          const row: Report = {
            id,
            reference: '', // taken last (below)
            submission_key: draftId,
            reporter_aad: actor.aadObjectId,
            reporter_locale: locale,
            school_id: school.id,
            district_id: school.district,
            school_type: school.type,
            intake_unit_id: unit.id,
            category: c.concern.category,
            acute: c.acute.immediateDanger === 'yes' ? 1 : 0,
            feedback_requested: c.wishes.feedbackWanted ? 1 : 0,
            joint_meeting_wanted: c.wishes.jointMeeting ? 1 : 0,
            child_key: childKey,
            index_key_id: pnr?.ok ? cipher.indexKeyId : null,
            sealed: cipher.seal(key, content, `report:${id}`),
            received_at: iso(now),
            received_month: stockholmMonth(now),
            // Acute: due at once (SoL (2025:400) 20 kap. 1 § "genast"), not by the end of the day.
            protection_due_at: iso(c.acute.immediateDanger === 'yes' ? now : protectionDue(now, unit)),
            decision_due_at: iso(decisionDue(now)),
            channel_conversation_id: null,
            channel_activity_id: null,
            handler_aad: null,
            handler_name: null,
            handler_phone: null,
            receipt_at: null,
            protection_at: null,
            protection_immediate: null,
            decision: null,
            decision_date: null,
            decision_at: null,
            feedback_inappropriate_at: null,
            feedback_requested_later_at: null,
            feedback_given_at: null,
            joint_meeting_offered_at: null,
            feedback_sent_unrequested: null,
            version: 1,
            purged_at: null,
            updated_at: iso(now),
            acute_alerts: 0,
            acute_alert_at: null,
            out_of_hours: isOpen(unit, now) ? 0 : 1,
            // Statistics (issue 24 §2), decided now so that a later change to the configuration or
            // a purged earlier report does not change a figure already published.
            draft_started_at: iso(draft.createdAt),
            before_holiday: isBeforeHoliday(stockholmDate(now), directory.municipality.schoolHolidays) ? 1 : 0,
            reporter_principal: isPrincipalReporter(actor, c.reporter.reporterRole) ? 1 : 0,
            // Another report on the same child (keyed hash, under any configured index key) in the
            // 12 months before this one, of those Värna still holds (as the intake card's "earlier reports").
            repeat_child: pnr?.ok ? ((await reportRows.anyReportOnChild(trx, cipher.keyedHashes('child', pnr.normalized), now)) ? 1 : 0) : 0,
          };
          // No row here is one that every submit writes: the reference is a sequence's number on
          // PostgreSQL (the counter row on SQLite, one writer anyway), the figures are recorded as
          // rows of their own (stat-rollup.ts) and the audit chain is the report's own.
          await store.dataKeys.put(trx, id, wrapped.masterKeyId, wrapped.wrapped, now);
          await reportRows.addReportEvent(trx, id, { at: now, actorAad: actor.aadObjectId, actorName: '', kind: 'submitted', detail: { acute: row.acute === 1 } });
          await outbox.enqueue(
            trx,
            {
              dedupeKey: `report:${id}:channel`,
              target: { kind: 'channel', unitId: unit.id, channel: 'reports' },
              message: { kind: channelCardKind, reportId: id },
              deadlineAt: new Date(now.getTime() + config.env.VARNA_DELIVERY_DEADLINE_MINUTES * 60_000),
            },
            now,
          );
          // Deleted by a concurrent submit of the same draft (a double press, on PostgreSQL): that
          // one has the report. Stopping before the reference keeps its number unused by a rollback.
          if (!(await reportRows.deleteDraft(trx, draftId))) throw new ConflictError('alreadySubmitted');
          await store.dataKeys.destroy(trx, [draftId]);
          row.reference = await nextReference(trx, now);
          await trackReport(trx, id, () => reportRows.addReport(trx, row));
          if (draft.content.fromConsultation) await markLedToReport(trx, draft.content.fromConsultation, now);
          await store.audit.append(trx, { actor: actor.aadObjectId, action: 'report.submitted', subject: row.reference, outcome: 'allowed', detail: { school: school.id, unit: unit.id } }, now);
          return row;
        });
      } catch (error) {
        if (error instanceof ConflictError || isUnique(error)) {
          const winner = await reportRows.reportOfSubmission(store.db, draftId);
          if (winner) return { report: winner, created: false };
        }
        throw error;
      }
      log.info({ event: 'report.submitted', reference: report.reference, school: report.school_id, unit: report.intake_unit_id }, 'report submitted');
      outbox.wake();
      return { report, created: true };
    },

    byReference: (reference: string) => reportRows.reportByReference(store.db, reference),
    byId: (id: string) => reportRows.reportById(store.db, id),

    /** The report's content: only for the reporter's own receipt, or intake through `open`. */
    async content(report: Report): Promise<ReportContent> {
      if (!report.sealed) throw new NotFoundError('report content (purged)', report.reference);
      return cipher.open<ReportContent>(await keyFor(report.id), report.sealed, `report:${report.id}`);
    },

    /**
     * The full report, for a member of the intake team that received it. Every opening and every
     * refusal is written to the audit log. Membership is asked first, of every intake unit's team:
     * a reference that does not exist and one that is not the actor's to open get the same
     * refusal (NotAllowedError), so a non-member cannot tell which references exist.
     */
    async open(actor: Actor, reference: string, isMemberOfUnitTeam: (teamId: string) => Promise<boolean>, purpose: 'view' | 'export' = 'view'): Promise<{ report: Report; content: ReportContent; earlier: Report[] }> {
      const units = await memberUnits(directory, isMemberOfUnitTeam);
      const found = units.size > 0 ? await service.byReference(reference) : undefined;
      const report = found && units.has(found.intake_unit_id) ? found : undefined;
      await store.transaction((trx) =>
        store.audit.append(trx, { actor: actor.aadObjectId, action: `report.${purpose}`, subject: referenceSubject(reference), outcome: report ? 'allowed' : 'refused' }, clock.now()),
      );
      if (!report) {
        log.warn({ event: 'report.open.refused', reference: referenceSubject(reference), user: actor.aadObjectId }, 'full report refused: not in the intake team');
        throw new NotAllowedError(`report.${purpose}`);
      }
      // Earlier reports on the same child (keyed hash, never in clear) from the last 12 months, of
      // those Värna still holds: purging clears the hash `reportDaysAfterHandover` days after the
      // decision (retention.ts). The card's label names that period; the case system has the rest.
      const content = await service.content(report);
      // Under every configured index key: during a rotation some reports still carry the old one's hash.
      const childKeys = report.child_key && content.child.pnrNormalized ? [report.child_key, ...cipher.keyedHashes('child', content.child.pnrNormalized)] : [];
      const earlier = childKeys.length ? await reportRows.earlierReportsOnChild(store.db, report, childKeys) : [];
      return { report, content, earlier };
    },

    /** Remembers where the channel card landed, so it can be updated and threaded. */
    async channelCardSent(reportId: string, conversationId: string | undefined, activityId: string | undefined, trx: Tx): Promise<void> {
      await reportRows.recordChannelCard(trx, reportId, conversationId ?? null, activityId ?? null);
    },

    /** The channel card did not arrive in time: the teacher must phone the intake unit. */
    async deliveryDelayed(reportId: string): Promise<void> {
      const report = await service.byId(reportId);
      if (!report) return;
      const now = clock.now();
      await store.transaction((trx) =>
        outbox.enqueue(trx, { dedupeKey: `report:${reportId}:delayed`, target: { kind: 'user', aadObjectId: report.reporter_aad }, message: { kind: deliveryDelayedKind, reportId } }, now),
      );
      outbox.wake();
    },

    /** The record's data key (for intake's sealed notes on the same report). */
    keyFor,
    steps,
  };
  return service;
}
export type Reports = ReturnType<typeof makeReports>;
