import { card, openUrl, text, type Card } from './card';
import type { Strings } from './i18n';

/**
 * The answer to a 1:1 command used in a channel or a group chat: where to do it, and a button that
 * opens the 1:1 chat. Nothing else: no inputs, nothing echoed back, nothing about any report.
 */
export function personalOnlyCard(chatLink: string, t: Strings): Card {
  return card([text(t.scope.personalOnly, { weight: 'Bolder' })], [openUrl(t.scope.openChat, chatLink)]);
}

/**
 * The Teams deep link to the user's chat with the bot (learn.microsoft.com, "Deep link to Teams
 * chat": `users` takes the bot as 28:<app id>).
 */
export const chatWithBotLink = (botAppId: string): string => `https://teams.microsoft.com/l/chat/0/0?users=28:${botAppId}`;
