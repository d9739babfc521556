import { ConflictError, ValidationError } from '../errors';
import { replaceFlagged } from '../pii';
import type { Consultation } from '../store/consultations';
import { MAX_TEXT, MIN_TEXT, type Outcome, type Review, type ReviewState } from './types';

/**
 * A consultation's state changes, as pure functions: each takes the consultation as read and returns
 * it as it is to be saved (the repository saves it only if nobody changed it in between).
 */

export const pseudonymOf = (n: number) => `K-${String(n).padStart(4, '0')}`;

/** A question, answer or reply: trimmed, and neither too short nor too long. */
export function cleanText(text: string, field: string, max = MAX_TEXT): string {
  const trimmed = text.trim();
  if (trimmed.length < MIN_TEXT) throw new ValidationError({ [field]: 'tooShort' });
  if (trimmed.length > max) throw new ValidationError({ [field]: 'tooLong' });
  return trimmed;
}

/** One more message in an open consultation; intake's first answer is remembered (the statistics' time to answer). */
export function addMessage(c: Consultation, author: 'intake' | 'teacher', now: Date): Consultation {
  if (c.status !== 'open') throw new ConflictError('consultation.closed');
  return {
    ...c,
    messages: c.messages + 1,
    version: c.version + 1,
    updatedAt: now,
    ...(author === 'intake' && !c.firstAnswerAt ? { firstAnswerAt: now } : {}),
  };
}

/** Intake closes an open consultation with an outcome. */
export function closeWith(c: Consultation, outcome: Outcome, now: Date): Consultation {
  if (c.status !== 'open') throw new ConflictError('consultation.closed');
  return { ...c, status: 'closed', outcome, closedAt: now, version: c.version + 1, updatedAt: now };
}

export const hitKey = (h: { kind: string; value: string }) => `${h.kind}:${h.value}`;

/** What "Skicka" sends: the text with every hit not restored replaced by its placeholder. */
export const outgoingOf = (state: Pick<ReviewState, 'text' | 'hits' | 'restored'>) =>
  replaceFlagged(state.text, state.hits, new Set(state.restored));

/** The review as the teacher's card shows it. */
export function reviewOf(r: { id: string; version: number }, state: ReviewState): Review {
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

/**
 * "Det är inget namn" (`restore`) or "Byt ut igen" on hit `i`. A restored word stays restored after
 * an edit (`kept`); replaced again, it does not, unless the same word is still restored elsewhere.
 */
export function restoreHit(state: ReviewState, i: number, restore: boolean): ReviewState {
  const hit = state.hits[i];
  if (!hit) throw new ValidationError({ hit: 'invalid' });
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
  return { ...state, restored: [...restored].sort((a, b) => a - b), kept: [...kept] };
}
