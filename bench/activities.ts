/** The activities the benchmarks send, shaped as Teams sends them (as tests/support/bot.ts builds them). */
import { REPORTS_CHANNEL, TEAM } from './prepare';

export const TENANT = 'e0e0e0e0-1111-4222-8333-444455556666';

let seq = 0;

/** A message in a user's 1:1 chat (100 users in turn). */
export function activity(connectorUrl: string, text: string) {
  const aad = `b0b0b0b0-0000-4000-8000-${String(seq++ % 100).padStart(12, '0')}`;
  return JSON.stringify({
    type: 'message',
    text,
    id: `bench-${seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: connectorUrl,
    from: { id: `29:${aad}`, aadObjectId: aad, name: 'Bench' },
    recipient: { id: '28:00000000-0000-0000-0000-000000000000', name: 'Värna' },
    conversation: { conversationType: 'personal', tenantId: TENANT, id: `a:personal-${aad}` },
    channelData: { tenant: { id: TENANT } },
    locale: 'sv-SE',
  });
}

/** "Skicka" on the review card: an Action.Execute invoke, as Teams sends it (tests/support/bot.ts execute). */
export function submitActivity(connectorUrl: string, draft: { aad: string; draftId: string }) {
  return JSON.stringify({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `bench-${seq++}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: connectorUrl,
    from: { id: `29:${draft.aad}`, aadObjectId: draft.aad, name: 'Bench' },
    recipient: { id: '28:00000000-0000-0000-0000-000000000000', name: 'Värna' },
    conversation: { conversationType: 'personal', tenantId: TENANT, id: `a:personal-${draft.aad}` },
    channelData: { tenant: { id: TENANT } },
    replyToId: `review-${draft.draftId}`,
    value: {
      action: { type: 'Action.Execute', verb: 'report.submit', data: { draftId: draft.draftId, verb: 'report.submit' } },
      trigger: 'manual',
    },
    locale: 'sv-SE',
  });
}

/** "Ta ärendet" on a report's card in the intake channel (tests/protocol/intake.test.ts press). */
export function takeActivity(connectorUrl: string, report: { reference: string; thread: string }) {
  const aad = `e1e1e1e1-0000-4000-8000-${String(seq++ % 20).padStart(12, '0')}`;
  return JSON.stringify({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `bench-${seq}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: connectorUrl,
    from: { id: `29:${aad}`, aadObjectId: aad, name: 'Bench Mottagning' },
    recipient: { id: '28:00000000-0000-0000-0000-000000000000', name: 'Värna' },
    conversation: { conversationType: 'channel', tenantId: TENANT, id: `${REPORTS_CHANNEL};messageid=${report.thread}`, isGroup: true },
    channelData: { tenant: { id: TENANT }, team: { id: TEAM }, channel: { id: REPORTS_CHANNEL } },
    replyToId: report.thread,
    value: {
      action: {
        type: 'Action.Execute',
        verb: 'intake.take',
        data: { reference: report.reference, phone: '0123-456 01', verb: 'intake.take' },
      },
      trigger: 'manual',
    },
    locale: 'sv-SE',
  });
}

/** The intake team installs the app (so the submit turn's channel card has somewhere to go). */
export function teamInstallActivity(connectorUrl: string) {
  const aad = 'e1e1e1e1-0000-4000-8000-000000000000';
  return JSON.stringify({
    type: 'conversationUpdate',
    id: `bench-${seq++}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: connectorUrl,
    from: { id: `29:${aad}`, aadObjectId: aad, name: 'Bench Mottagning' },
    recipient: { id: '28:00000000-0000-0000-0000-000000000000', name: 'Värna' },
    membersAdded: [{ id: '28:00000000-0000-0000-0000-000000000000', name: 'Värna' }],
    conversation: { conversationType: 'channel', tenantId: TENANT, id: TEAM, isGroup: true },
    channelData: { tenant: { id: TENANT }, team: { id: TEAM, name: 'IFO' }, eventType: 'teamMemberAdded' },
  });
}
