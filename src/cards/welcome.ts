import { card, container, execute, heading, text, type Action, type Card } from './card';
import type { Strings } from './i18n';
import { verbs } from './verbs';

export interface WelcomeView {
  notUnderstood?: boolean;
  drafts: number;
  /** Extra menu entries from flows that are switched on (report, consultation, my reports). */
  entries: Array<{ title: string; verb: string; data?: Record<string, unknown> }>;
}

export function welcomeCard(view: WelcomeView, t: Strings): Card {
  const actions: Action[] = [...view.entries.map((e) => execute(e.title, e.verb, e.data ?? {})), execute(t.welcome.duty, verbs.duty, {})];
  return card(
    [
      view.notUnderstood && text(t.welcome.notUnderstood, { color: 'Warning' }),
      heading(t.welcome.title, 'Large'),
      text(t.welcome.intro),
      container([text(t.welcome.acute)], { style: 'attention' }),
      view.drafts > 0 && text(t.welcome.draftWaiting(view.drafts), { color: 'Warning', weight: 'Bolder' }),
    ],
    actions,
  );
}
