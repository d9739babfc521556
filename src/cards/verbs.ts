/** Every Action.Execute verb the bot answers. Cards and routes both import from here. */
export const verbs = {
  welcome: 'welcome.show',
  duty: 'duty.show',
  reportStart: 'report.start',
  reportResume: 'report.resume',
  reportStep: 'report.step',
  reportGoTo: 'report.goto',
  reportLater: 'report.later',
  reportDiscard: 'report.discard',
  reportDiscardConfirm: 'report.discardConfirm',
  reportSubmit: 'report.submit',
  reportSibling: 'report.sibling',
  reportOpen: 'report.open',
  intakeTake: 'intake.take',
  intakeProtection: 'intake.protection',
  intakeDecision: 'intake.decision',
  intakeInappropriate: 'intake.inappropriate',
  intakeMeeting: 'intake.meeting',
  myReports: 'reports.mine',
  requestFeedback: 'reports.requestFeedback',
} as const;
export type Verb = (typeof verbs)[keyof typeof verbs];
