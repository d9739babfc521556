import { actionSet, card, container, execute, heading, text, type Card } from './card';
import type { Contacts, DutyTopic, Topic } from './i18n/duty';
import { dutyTopics } from './i18n/duty';
import type { Strings } from './i18n';
import { verbs } from './verbs';

export interface DutyView {
  topic?: DutyTopic;
  contacts: Contacts;
  /** Verb that starts a report, when the report flow is on. */
  reportVerb?: string;
}

/** The overview lists the topics; each topic is one short card citing its provisions. */
export function dutyCard(view: DutyView, t: Strings): Card {
  const report = view.reportVerb ? [execute(t.duty.reportNow, view.reportVerb, {}, { style: 'positive' })] : [];
  if (!view.topic) {
    return card(
      [
        heading(t.duty.title, 'Large'),
        text(t.duty.intro),
        actionSet(dutyTopics.slice(0, 4).map((topic) => execute(t.duty.topics[topic].title, verbs.duty, { topic }))),
        actionSet(dutyTopics.slice(4).map((topic) => execute(t.duty.topics[topic].title, verbs.duty, { topic }))),
      ],
      [...report, execute(t.menu, verbs.welcome)],
    );
  }
  const topic: Topic = t.duty.topics[view.topic];
  return card(
    [
      text(t.duty.title, { subtle: true }),
      heading(topic.title, 'Large'),
      ...topic.body(view.contacts).map((p) => text(p)),
      container(
        [
          topic.law && text(`${t.duty.lawLabel}: ${topic.law}`, { subtle: true, size: 'Small' }),
          topic.guidance && text(`${t.duty.guidanceLabel}: ${topic.guidance}`, { subtle: true, size: 'Small' }),
        ],
        { separator: true },
      ),
    ],
    [execute(t.duty.overview, verbs.duty, {}), ...report, execute(t.menu, verbs.welcome)],
  );
}
