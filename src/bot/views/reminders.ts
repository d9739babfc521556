import type { Card } from '../../cards/card';
import type { Strings } from '../../cards/i18n';
import { cycleReminderCard } from '../../cards/reminders';
import type { CycleReminderView } from '../../services/reminders';
import type { Links } from '../links';

/** The annual-cycle card for one person: with figures, their own signed download (principals see their school's). */
export function cycleCardFor(links: Links, view: CycleReminderView, viewer: string | undefined, t: Strings): Card {
  const figures =
    view.figures && viewer ? links.statistics({ aadObjectId: viewer }, view.figures.from, view.figures.to, 'school') : undefined;
  return cycleReminderCard({ ...view, ...(figures ? { figuresPdf: figures.pdf, viewer } : {}) }, t);
}
