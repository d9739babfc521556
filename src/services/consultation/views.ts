import type { Actor } from '../actor';
import { NotFoundError } from '../errors';
import * as consultationRows from '../store/consultations';
import * as userRows from '../store/users';
import type { Context } from './context';
import { pseudonymOf } from './transitions';
import type { ChannelView, Origin, TeacherView } from './types';

/** What the channel, the teacher and the outbox's renderers are shown; nothing here changes a consultation. */
export function makeViews(ctx: Context) {
  const { store, directory, cipher } = ctx;
  const views = {
    /** The school the teacher chose last time (remembered in the user's profile, store/users.ts). */
    async rememberedSchool(actor: Actor): Promise<string | undefined> {
      const user = await userRows.userProfile(store.db, actor.aadObjectId);
      return user?.schoolId && directory.school(user.schoolId) ? user.schoolId : undefined;
    },

    originPreview(schoolId: string, showSchool: boolean): Origin | undefined {
      const school = directory.school(schoolId);
      return school ? ctx.originOf({ schoolId: school.id, districtId: school.district, schoolShown: showSchool }) : undefined;
    },

    /** The channel card's view: never who asked. */
    async channelView(id: string): Promise<ChannelView> {
      return ctx.view(await ctx.load(id));
    },

    /** The teacher's view of their own consultation. */
    async teacherView(actor: Actor, id: string): Promise<TeacherView> {
      const c = await ctx.load(id);
      await ctx.assertTeacher(actor, c, 'consultation.view');
      return { ...(await ctx.view(c)), locale: c.teacherLocale };
    },

    /** For the outbox renderers: the view in the teacher's language, without an actor. */
    async viewForDelivery(id: string): Promise<TeacherView> {
      const c = await ctx.load(id);
      return { ...(await ctx.view(c)), locale: c.teacherLocale };
    },

    /** The intake team that may answer and close (membership is checked by the caller, over Teams). */
    async unitOf(id: string) {
      const c = await ctx.load(id);
      const unit = directory.intakeUnit(c.unitId);
      if (!unit) throw new NotFoundError('intakeUnit', c.unitId);
      return unit;
    },

    async channelCardOf(id: string): Promise<{ unitId: string; conversationId: string; activityId: string } | undefined> {
      const c = await ctx.load(id);
      return c.channelConversationId && c.channelActivityId
        ? { unitId: c.unitId, conversationId: c.channelConversationId, activityId: c.channelActivityId }
        : undefined;
    },

    /**
     * The consultation's text, to prefill a report, for the teacher who asked and nobody else.
     * Starting a report is not yet a report: the consultation counts as having led to one when
     * the report is sent (`markLedToReport`, in the report's own transaction).
     */
    async textForReport(actor: Actor, id: string): Promise<string> {
      const c = await ctx.load(id);
      await ctx.assertTeacher(actor, c, 'consultation.textForReport');
      const sealed = await ctx.sealedOf(c);
      if (!sealed) throw new NotFoundError('consultation', id);
      return sealed.text;
    },

    /** The teacher's own consultations, newest first (found by the keyed hash). */
    async mine(actor: Actor, limit = 10) {
      const rows = await consultationRows.consultationsOfTeacher(store.db, ctx.teacherKeys(actor.aadObjectId), limit);
      return rows.map((r) => ({
        id: r.id,
        pseudonym: pseudonymOf(r.number),
        open: r.status === 'open',
        outcome: r.outcome,
        createdAt: r.createdAt,
      }));
    },

    /** What a teacher sees after sending: the reply's consultation, or the one their compose card created. */
    async sentViewOf(
      actor: Actor,
      target: { kind: 'reply'; consultationId: string } | { kind: 'ask'; nonce: string },
    ): Promise<TeacherView> {
      if (target.kind === 'reply') return views.teacherView(actor, target.consultationId);
      const c = await consultationRows.findBySubmission(
        store.db,
        cipher.keyedHashes('consultation.submission', ctx.submission(actor, target.nonce)),
      );
      if (!c) throw new NotFoundError('consultation', 'submission');
      return views.teacherView(actor, c.id);
    },
  };
  return views;
}
export type Views = ReturnType<typeof makeViews>;
