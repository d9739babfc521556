import { randomBytes } from 'node:crypto';
import type { ComposeView, ReviewView } from '../../cards/consultation';
import type { Actor } from '../../services/actor';
import type { Review } from '../../services/consultation';
import { PLACEHOLDER, REMOVED } from '../../services/pii';
import type { Services } from '../../services';

/** What the compose card keeps when it comes back (an error, "Ändra"). */
export interface ComposeKeep {
  text?: string;
  schoolId?: string;
  showSchool?: boolean;
  errors?: Record<string, string>;
  nonce?: string;
  edited?: boolean;
}

/** The text that will be sent, in pieces for the card: replacements and removals highlighted. */
export function segmentsOf(review: Review): ReviewView['segments'] {
  const out: ReviewView['segments'] = [];
  const plainText = (value: string) => {
    value.split(REMOVED).forEach((part, i) => {
      if (i > 0) out.push({ text: REMOVED, mark: 'removed' });
      if (!part) return;
      const last = out.at(-1);
      if (last && !last.mark) last.text += part;
      else out.push({ text: part });
    });
  };
  let at = 0;
  for (const h of review.hits) {
    plainText(review.text.slice(at, h.start));
    if (h.restored) plainText(h.value);
    else out.push({ text: PLACEHOLDER[h.kind], mark: 'replaced' });
    at = h.end;
  }
  plainText(review.text.slice(at));
  return out;
}

/** The compose card: the teacher's remembered school, and how the origin reads hidden and shown. */
export async function composeViewOf(s: Services, actor: Actor, keep: ComposeKeep = {}): Promise<ComposeView> {
  const c = s.consultations;
  const schoolId = keep.schoolId || (await c.rememberedSchool(actor));
  const hidden = schoolId ? c.originPreview(schoolId, false) : undefined;
  const shown = schoolId ? c.originPreview(schoolId, true) : undefined;
  return {
    nonce: keep.nonce ?? randomBytes(12).toString('base64url'),
    ...(keep.edited ? { edited: true } : {}),
    schools: s.directory.municipality.schools.map((x) => ({ id: x.id, name: x.name })),
    ...(schoolId ? { schoolId } : {}),
    showSchool: keep.showSchool ?? false,
    ...(keep.text !== undefined ? { text: keep.text } : {}),
    ...(hidden && shown ? { examples: { hidden, shown } } : {}),
    ...(keep.errors ? { errors: keep.errors } : {}),
  };
}

/** The review card's view: the origin (a question) or the consultation's pseudonym (a reply). */
export async function reviewViewOf(s: Services, actor: Actor, review: Review, note?: string): Promise<ReviewView> {
  const c = s.consultations;
  const base = {
    reviewId: review.id,
    version: review.version,
    removed: review.removed,
    segments: segmentsOf(review),
    hits: review.hits.map((h, index) => ({ index, kind: h.kind, value: h.value, restored: h.restored })),
    ...(note !== undefined ? { note } : {}),
  };
  if (review.for.kind === 'reply')
    return { ...base, replyTo: { pseudonym: (await c.teacherView(actor, review.for.consultationId)).pseudonym } };
  const origin = c.originPreview(review.for.schoolId, review.for.showSchool);
  return { ...base, ...(origin ? { origin } : {}) };
}
