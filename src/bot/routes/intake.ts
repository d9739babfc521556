import { z } from 'zod/v4';
import { strings, type Strings } from '../../cards/i18n';
import { myReportsCard, takeFormCard } from '../../cards/intake';
import { markdownText } from '../../cards/card';
import { verbs } from '../../cards/verbs';
import type { Actor } from '../../services/actor';
import { ConflictError, ValidationError } from '../../services/errors';
import type { Report } from '../../services/reports';
import type { BotKit } from '../kit';
import { describeError, type Turn } from '../turn';
import { intakeChannelCard, myReportsViewOf } from '../views/intake';

const Ref = z.object({ reference: z.string().min(1).max(40) }).passthrough();
const Take = Ref.extend({ phone: z.string().max(40).optional() });
const Protection = Ref.extend({ immediate: z.enum(['yes', 'no']).optional() });
const Decision = Ref.extend({
  outcome: z.enum(['opened', 'notOpened', 'alreadyOngoing']).optional(),
  date: z.string().max(10).optional(),
  sendUnasked: z.enum(['true', 'false']).optional(),
});
const Inappropriate = Ref.extend({ reason: z.string().max(4000).optional() });
const Page = z.object({ page: z.coerce.number().int().min(0).max(10_000).default(0) }).passthrough();
const RequestFeedback = Ref.extend({ page: z.coerce.number().int().min(0).max(10_000).default(0) });

/** Intake's actions on the channel card, the feedback the reporter may get, and "Mina anmälningar". */
export function registerIntake(kit: BotKit): void {
  const { s } = kit;
  const sv = strings('sv');
  const channelCard = (report: Report) => intakeChannelCard(s, report);

  /** Runs an intake action; refusals and conflicts are answered as a message and change nothing. */
  function onIntake<S extends z.ZodType<{ reference: string }>>(
    verb: string,
    schema: S,
    run: (turn: Turn<z.infer<S>>, isMember: (teamId: string) => Promise<boolean>) => Promise<Report>,
  ) {
    // On the report's card in the intake unit's reports channel, and nowhere else.
    kit.onAction(verb, { where: 'intakeChannel', data: schema }, async (turn) => {
      const { t } = turn;
      try {
        const report = await run(turn, turn.teams.isMember);
        return await channelCard(report);
      } catch (error) {
        return refusal(error, t);
      }
    });
  }

  function refusal(error: unknown, t: Strings): string {
    const r = t.intake.refusals;
    if (error instanceof ConflictError) {
      // The name is the handler's Teams display name: plain, in a message that renders markdown.
      if (error.reason === 'taken') return r.taken(markdownText(error.detail.by ?? ''));
      if (error.reason === 'decided') return r.decided;
      if (error.reason === 'assessed') return r.assessed;
      if (error.reason === 'alreadyMarked') return r.alreadyMarked;
      if (error.reason === 'alreadyOffered') return r.alreadyOffered;
      if (error.reason === 'registered') return t.intake.registration.already;
    }
    if (error instanceof ValidationError) {
      const [field, code] = Object.entries(error.fields)[0] ?? [];
      if (field === 'phone') return code === 'required' ? r.phoneRequired : r.phoneInvalid;
      if (field === 'reason') return r.reasonRequired;
      if (field === 'date') return code === 'dateFuture' ? r.dateFuture : code === 'dateBeforeReport' ? r.dateBeforeReport : r.dateInvalid;
      if (field === 'outcome' || field === 'immediate') return t.errors.validation;
    }
    return describeError(error, t);
  }

  onIntake(verbs.intakeTake, Take, ({ actor, data }, isMember) => s.intake.take(actor, data.reference, data.phone, isMember));

  // "Ta ärendet" opens the handler's own form (a dialog): their phone prefilled from their last
  // take, never from anything else; required, with the error next to the field (issue 22 §4).
  kit.onDialog('fetch', verbs.intakeTakeForm, { where: 'intakeChannel', data: Ref }, async ({ actor, t, data }) => {
    const report = await s.reports.byReference(data.reference);
    if (report?.handlerAad) return t.intake.refusals.taken(markdownText(report.handlerName ?? ''));
    const phone = (await s.users.profile(actor.aadObjectId))?.handlerPhone;
    return {
      title: sv.intake.takeForm.title(data.reference),
      card: takeFormCard({ reference: data.reference, ...(phone ? { phone } : {}), prefilled: !!phone }, sv),
      width: 'medium',
      height: 'small',
    };
  });
  kit.onDialog('submit', verbs.intakeTake, { where: 'intakeChannel', data: Take }, async ({ actor, t, data, teams }) => {
    const typed = (data.phone ?? '').trim();
    const again = (error: 'phoneRequiredField' | 'phoneInvalidField') => ({
      title: sv.intake.takeForm.title(data.reference),
      card: takeFormCard({ reference: data.reference, ...(typed ? { phone: typed } : {}), prefilled: false, error }, sv),
      width: 'medium' as const,
      height: 'small' as const,
    });
    try {
      const report = await s.intake.take(actor, data.reference, data.phone, teams.isMember);
      await updateChannelCard(report);
      return sv.intake.takeForm.done(report.reference);
    } catch (error) {
      if (error instanceof ValidationError && error.fields.phone)
        return again(error.fields.phone === 'required' ? 'phoneRequiredField' : 'phoneInvalidField');
      return refusal(error, t);
    }
  });

  /** After an action taken in a dialog: the card in the channel shows it to everyone (best effort). */
  async function updateChannelCard(report: Report): Promise<void> {
    if (!report.channelConversationId || !report.channelActivityId) return;
    try {
      await kit.delivery.updateInThread(
        report.intakeUnitId,
        { conversationId: report.channelConversationId, activityId: report.channelActivityId },
        () => channelCard(report),
      );
    } catch (error) {
      kit.log.warn(
        { event: 'intake.card-update-failed', reference: report.reference, err: error },
        'channel card not updated; the take is stored',
      );
    }
  }

  onIntake(verbs.intakeProtection, Protection, ({ actor, data }, isMember) => {
    if (!data.immediate) throw new ValidationError({ immediate: 'required' });
    return s.intake.protection(actor, data.reference, data.immediate === 'yes', isMember);
  });

  onIntake(verbs.intakeDecision, Decision, ({ actor, data }, isMember) => {
    if (!data.outcome) throw new ValidationError({ outcome: 'required' });
    return s.intake.decide(
      actor,
      data.reference,
      { outcome: data.outcome, date: data.date ?? '', sendUnasked: data.sendUnasked === 'true' },
      isMember,
    );
  });

  onIntake(verbs.intakeInappropriate, Inappropriate, ({ actor, data }, isMember) =>
    s.intake.markInappropriate(actor, data.reference, data.reason ?? '', isMember),
  );

  onIntake(verbs.intakeMeeting, Ref, ({ actor, data }, isMember) => s.intake.offerMeeting(actor, data.reference, isMember));

  onIntake(verbs.intakeRegister, Ref, ({ actor, data }, isMember) => s.intake.register(actor, data.reference, isMember));

  const mine = async (actor: Actor, page: number, t: Strings) => myReportsCard(await myReportsViewOf(s, actor, page), t);

  // The reporter's own list and feedback: secret inside the school (OSL 40 kap. 7 g §), so 1:1 only.
  kit.onAction(verbs.myReports, { where: 'personal', data: Page }, async ({ actor, t, data }) => mine(actor, data.page, t));
  kit.onAction(verbs.requestFeedback, { where: 'personal', data: RequestFeedback }, async ({ actor, t, data }) => {
    await s.intake.requestFeedback(actor, data.reference);
    return mine(actor, data.page, t);
  });
  kit.onCommand('myReports', { where: 'personal' }, async ({ actor, t }) => mine(actor, 0, t));
}
