// Type-checked only (npm run typecheck): free text cannot reach a reporter.
import type { PermittedFeedback } from '../../src/services/feedback';

export const ok: PermittedFeedback[] = [
  { kind: 'received', handlerName: 'Ingrid', handlerPhone: '0123-456 01' },
  { kind: 'investigation', outcome: 'opened' },
  { kind: 'jointMeetingOffered' },
];

// @ts-expect-error free text cannot ride along with a decision
export const leak: PermittedFeedback = { kind: 'investigation', outcome: 'opened', note: 'pappa är gripen' };

// @ts-expect-error no outcome outside the three the law names
export const invented: PermittedFeedback = { kind: 'investigation', outcome: 'placedInFosterCare' };

// @ts-expect-error no free-text message kind exists
export const message: PermittedFeedback = { kind: 'message', text: 'Hej, vi har pratat med familjen' };
