import type { Card } from './card';
import { strings } from './i18n';

/**
 * Delivery marks on a card the outbox sends. `marker` goes in the card's own `id` (not shown;
 * Microsoft Graph returns the card JSON, so the outbox can find a message it is unsure it sent).
 * A possible repeat gets one short line on top, Swedish then English: the message was resent
 * after an interruption that could not be checked, so the reader may have seen it before.
 */
export function markForDelivery(c: Card, marker: string, possibleRepeat: boolean): Card {
  const note = {
    type: 'TextBlock',
    text: `${strings('sv').delivery.possibleRepeat} ${strings('en').delivery.possibleRepeat}`,
    wrap: true,
    isSubtle: true,
    size: 'Small',
  };
  return { ...c, id: marker, body: possibleRepeat ? [note, ...c.body] : c.body };
}

/** The same line for a plain-text message. */
export function possibleRepeatLine(): string {
  return `${strings('sv').delivery.possibleRepeat} ${strings('en').delivery.possibleRepeat}`;
}
