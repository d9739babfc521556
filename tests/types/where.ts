// Type-checked only (npm run typecheck): no handler can be registered without saying where it may run.
import { z } from 'zod/v4';
import type { BotKit } from '../../src/bot/kit';

const Data = z.object({ reference: z.string() });

/** Never called: the bodies only have to type-check (or fail to, where marked). */
export function registrations(kit: BotKit): void {
  kit.onAction('report.step', { where: 'personal', data: Data }, async ({ data }) => data.reference);
  kit.onAction('reminder.done', { where: ['personal', 'intakeChannel'], data: Data }, async () => 'ok');
  kit.onCommand('report', { where: 'personal' }, async () => 'ok');
  kit.onDialog('fetch', 'report.open', { where: 'intakeChannel', data: Data }, async () => 'ok');

  // @ts-expect-error a schema alone is no declaration
  kit.onAction('report.step', Data, async () => 'ok');
  // @ts-expect-error a declaration without `where`
  kit.onAction('report.step', { data: Data }, async () => 'ok');
  // @ts-expect-error a declaration without its data's schema
  kit.onAction('report.step', { where: 'personal' }, async () => 'ok');
  // @ts-expect-error a command without `where`
  kit.onCommand('report', {}, async () => 'ok');
  // @ts-expect-error a dialog without `where`
  kit.onDialog('fetch', 'report.open', { data: Data }, async () => 'ok');
  // @ts-expect-error an event without `where`
  kit.onEvent('membersAdded', {}, async () => undefined);
  // @ts-expect-error only the places the adapter knows
  kit.onAction('report.step', { where: 'anywhere', data: Data }, async () => 'ok');
  // @ts-expect-error a handler never gets the TurnContext
  kit.onAction('report.step', { where: 'personal', data: Data }, async ({ ctx }) => String(ctx));
  // @ts-expect-error and the routes never get the Application to register around the adapter
  void kit.app;
}
