import { makeContext } from './consultation/context';
import { makeIntakeSide } from './consultation/intake';
import { makePosting } from './consultation/posting';
import { makeRetention } from './consultation/retention';
import { makeReviews } from './consultation/reviews';
import type { ConsultationDeps } from './consultation/types';
import { makeViews } from './consultation/views';

/**
 * Anonymous consultation (avidentifierad konsultation): a teacher asks the intake unit for advice
 * without naming the child. It does not fulfil the duty to report (SoL (2025:400) 19 kap. 1 §):
 * if the advice is to report, the teacher must still report, and gets a button that starts one.
 *
 * Anonymity: intake sees a pseudonym ("K-0107") and an origin (school level and district, or the
 * school if the teacher chose to show it), never who asked. The teacher's Entra id is stored only
 * sealed, to relay answers, plus a keyed hash to find "my consultations".
 *
 * The use cases live in src/services/consultation/: posting.ts (the teacher asks, replies, sends a
 * reviewed text), reviews.ts (the guard's review), intake.ts (intake answers and closes), views.ts
 * (what each side is shown), retention.ts; the state changes are pure, in transitions.ts; the SQL
 * is in store/consultations.ts.
 */
export { outcomes, MAX_TEXT, MAX_MESSAGE } from './consultation/types';
export type {
  Outcome,
  Origin,
  ConsultationMessageView,
  ChannelView,
  TeacherView,
  IsMember,
  AskInput,
  ReviewHit,
  Review,
  ConsultationDeps,
} from './consultation/types';
export { pseudonymOf } from './consultation/transitions';

export function makeConsultations(deps: ConsultationDeps) {
  const ctx = makeContext(deps);
  const views = makeViews(ctx);
  const reviews = makeReviews(ctx);
  const posting = makePosting(ctx, views, reviews);
  const intake = makeIntakeSide(ctx, views);
  const retention = makeRetention(ctx, reviews);
  const { sentViewOf: _sentViewOf, ...shown } = views;

  const service = { ...shown, ...posting, ...reviews.useCases, ...intake, ...retention };

  deps.outbox.on('consultation.posted', {
    onSent: async (message, result, trx) => service.rememberCard(trx, String(message.consultationId), result),
    onDeadline: async (message) => service.deliveryDelayed(String(message.consultationId)),
  });

  return service;
}
export type Consultations = ReturnType<typeof makeConsultations>;
