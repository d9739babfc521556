import type { Actor } from './actor';
import type { Clock } from './clock';
import type { Store } from './store';

/**
 * A card action or dialog pressed in a conversation where its verb may not run (a report's step
 * in a team channel, an intake action in a 1:1 chat): refused by the turn adapter before any
 * service runs, and written to the audit log here. Who, which verb, which kind of conversation;
 * never the card's data.
 */
export function makeRefusals({ store, clock }: { store: Store; clock: Clock }) {
  return {
    async outOfPlace(actor: Pick<Actor, 'aadObjectId' | 'conversation'>, verb: string): Promise<void> {
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          {
            actor: actor.aadObjectId || 'unknown',
            action: 'scope.refused',
            subject: `verb:${verb}`,
            outcome: 'refused',
            detail: { conversation: actor.conversation.kind },
          },
          clock.now(),
        ),
      );
    },
  };
}
export type Refusals = ReturnType<typeof makeRefusals>;
