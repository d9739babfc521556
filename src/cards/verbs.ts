/** Every Action.Execute verb the bot answers. Cards and routes both import from here. */
export const verbs = {
  welcome: 'welcome.show',
  duty: 'duty.show',
  reminderDone: 'reminder.done',
  reminderSnooze: 'reminder.snooze',
  remindersUnreachable: 'reminders.unreachable',
  /** Answered by the report flow: reopens a draft where it was left. */
  reportResume: 'report.resume',
} as const;
export type Verb = (typeof verbs)[keyof typeof verbs];
