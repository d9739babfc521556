/** Every Action.Execute verb the bot answers. Cards and routes both import from here. */
export const verbs = {
  welcome: 'welcome.show',
  duty: 'duty.show',
} as const;
export type Verb = (typeof verbs)[keyof typeof verbs];
