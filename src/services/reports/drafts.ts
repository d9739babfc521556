/**
 * The teacher's report form: a draft, started (from a consultation or as a sibling's), saved a card
 * at a time, moved between cards, discarded. The content is sealed with the draft's own data key;
 * only its owner reaches it. Submitting it is reports/submit.ts.
 */
import type { Logger } from '../../log';
import type { Actor } from '../actor';
import type { Clock } from '../clock';
import type { Cipher } from '../crypto';
import { NotFoundError, ValidationError } from '../errors';
import type { Directory } from '../municipality';
import {
  CARD_TEXT_BYTES,
  cardTextBytes,
  fieldsOf,
  isComplete,
  missingSteps,
  oversize,
  pageOf,
  pageSteps,
  pages,
  validateStep,
  wishesPreset,
  type DraftContent,
  type FieldErrors,
  type Page,
  type ReportContent,
  type Step,
} from './model';
import type { Records } from './records';
import { newId, type Store } from '../store';
import * as reportRows from '../store/reports';
import * as userRows from '../store/users';

export interface Draft {
  id: string;
  step: Step | 'review';
  content: DraftContent;
  updatedAt: Date;
  /** When the draft was started (its first step): the statistics' "draft to sending". */
  createdAt: Date;
}

/** What the teacher's Teams profile offers to prefill the reporter step. */
export interface Profile {
  name: string;
  email?: string;
}

export interface DraftsDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  cipher: Cipher;
  directory: Directory;
  records: Records;
}

export function makeDrafts({ store, clock, log, cipher, directory, records }: DraftsDeps) {
  const { keyFor, refuse } = records;

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
      await reportRows.addDraft(
        trx,
        { id, ownerAad: actor.aadObjectId, step: nextStep(content), sealed: cipher.seal(key, content, `draft:${id}`) },
        now,
      );
    });
    log.info({ event: 'draft.created', draft: id }, 'report draft started');
    return { id, step: nextStep(content), content, updatedAt: now, createdAt: now };
  }

  function nextStep(content: DraftContent): Step | 'review' {
    return missingSteps(content)[0] ?? 'review';
  }

  /** The reporter from the Teams profile, with the phone and role remembered from their last report. */
  async function reporterPrefill(actor: Actor, profile: Profile): Promise<Record<string, string>> {
    const user = await userRows.userProfile(store.db, actor.aadObjectId);
    return {
      reporterName: profile.name,
      ...(profile.email ? { reporterEmail: profile.email } : {}),
      ...(user?.phone ? { reporterPhone: user.phone } : {}),
      ...(user?.role ? { reporterRole: user.role } : {}),
    };
  }

  const isPage = (x: Step | Page): x is Page => (pages as readonly string[]).includes(x);
  const typedValues = (raw: Record<string, unknown>, fields: string[]) =>
    Object.fromEntries(
      Object.entries(raw).filter(([k, v]) => (typeof v === 'string' || typeof v === 'boolean') && fields.includes(k)),
    ) as Record<string, string | boolean>;
  const storedValues = (o: object | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'boolean')) as Record<
      string,
      string | boolean
    >;

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

  return {
    /** The teacher's drafts, newest first (for "Fortsätt utkast"). */
    async drafts(actor: Actor): Promise<Array<{ id: string; step: string; updatedAt: Date }>> {
      return reportRows.draftsOf(store.db, actor.aadObjectId);
    },

    /** Starts a report: the acute check first. The reporter step is prefilled from the profile. */
    async start(actor: Actor, profile: Profile, from: { consultationText?: string; consultationId?: string } = {}): Promise<Draft> {
      const user = await userRows.userProfile(store.db, actor.aadObjectId);
      const prefill: DraftContent['prefill'] = { reporter: await reporterPrefill(actor, profile) };
      if (user?.schoolId && directory.school(user.schoolId)) prefill.child = { schoolId: user.schoolId };
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
      if (report && report.reporterAad !== actor.aadObjectId) return refuse(actor, 'report', 'report.sibling', report.reference);
      if (!report || !report.sealed) throw new NotFoundError('report', reference);
      const content = cipher.open<ReportContent>(await keyFor(report.id), report.sealed, `report:${report.id}`);
      const { aadObjectId: _aad, ...reporter } = content.reporter;
      const asStrings = (o: object) =>
        Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string | boolean>;
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
    async saveStep(
      actor: Actor,
      draftId: string,
      what: Step | Page,
      raw: Record<string, unknown>,
    ): Promise<{ draft: Draft; errors?: FieldErrors }> {
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
        if (step === 'child')
          await userRows.updateProfile(
            store.db,
            actor.aadObjectId,
            { schoolId: (result.data as { schoolId: string }).schoolId },
            clock.now(),
          );
        if (step === 'reporter') {
          const r = result.data as { reporterPhone: string; reporterRole: string };
          await userRows.updateProfile(store.db, actor.aadObjectId, { phone: r.reporterPhone, role: r.reporterRole }, clock.now());
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
        draft.content.prefill = {
          ...draft.content.prefill,
          [step]: { ...(draft.content.prefill?.[step] ?? storedValues(draft.content[step])), ...typed },
        };
        changed = true;
      }
      if (
        changed &&
        cardTextBytes(stepsOf(from).map((step) => ({ ...storedValues(draft.content[step]), ...(draft.content.prefill?.[step] ?? {}) }))) >
          CARD_TEXT_BYTES
      ) {
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
      draft.step =
        page === 'sendPage'
          ? (missing[0] ?? (isComplete(draft.content) ? 'review' : 'reporter'))
          : to === 'review' || isPage(to)
            ? pageSteps[page][0]!
            : to;
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
  };
}
export type Drafts = ReturnType<typeof makeDrafts>;
