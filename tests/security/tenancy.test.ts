import assert from 'node:assert/strict';
import { startBot, type TestBot } from '../support/bot';
import { rowCounts } from '../support/scan';
import { TENANT, as, type TestUser } from '../support/users';

const FOREIGN = '99999999-9999-4999-8999-999999999999';

/**
 * Värna serves one municipality's tenant (plus any configured in VARNA_ALLOWED_TENANTS). A valid
 * Bot Framework token says the activity came through Teams, not from which organisation: the
 * tenant gate does that, for every kind of activity, before any state is read or written.
 */
describe('tenancy: only the configured tenants are served', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startBot({ env: { VARNA_ALLOWED_TENANTS: 'abababab-0000-4000-8000-000000000000' } });
  });
  afterEach(async () => bot.destroy());

  const foreigner: TestUser = { ...as.stranger, tenantId: FOREIGN };

  /** Posts the activity; asserts it was dropped: no connector call, no row written, one log line. */
  async function assertDropped(activity: Record<string, any>): Promise<number> {
    const before = await rowCounts(bot.services.store.db);
    const logged = bot.logs.events().filter((e) => e.event === 'tenant.refused').length;
    bot.connector.take();
    const res = await bot.post(activity);
    assert.ok(res.status < 500, `no server error, got ${res.status}`);
    bot.connector.assertNothingElseSent();
    assert.deepEqual(await rowCounts(bot.services.store.db), before, 'nothing stored');
    assert.equal(bot.logs.events().filter((e) => e.event === 'tenant.refused').length, logged + 1, 'the refusal is logged once');
    return res.status;
  }

  it('drops a message from another tenant', async () => {
    await assertDropped(bot.baseActivity(foreigner, { type: 'message', text: 'hej' }));
  });

  it('drops a button press (invoke) from another tenant and answers it without a card', async () => {
    const status = await assertDropped(
      bot.baseActivity(foreigner, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'duty.show', data: { verb: 'duty.show' } }, trigger: 'manual' },
      }),
    );
    assert.equal(status, 403);
  });

  it('drops a dialog request (task/fetch) from another tenant', async () => {
    const status = await assertDropped(bot.baseActivity(foreigner, { type: 'invoke', name: 'task/fetch', value: { data: {} } }));
    assert.equal(status, 403);
  });

  it('drops a personal install from another tenant: no conversation is remembered', async () => {
    await assertDropped(bot.baseActivity(foreigner, { type: 'installationUpdate', action: 'add' }));
    await assertDropped(bot.baseActivity(foreigner, { type: 'conversationUpdate', membersAdded: [{ id: `28:${bot.config.botAppId}` }] }));
    assert.equal(await bot.services.installations.forUser(foreigner.aadObjectId), undefined);
  });

  it('drops a team install from another tenant, even one naming the intake team', async () => {
    const teamId = '19:exempel-ifo-team@thread.tacv2';
    await assertDropped(
      bot.baseActivity(foreigner, {
        type: 'conversationUpdate',
        membersAdded: [{ id: `28:${bot.config.botAppId}` }],
        conversation: { conversationType: 'channel', tenantId: FOREIGN, id: teamId, isGroup: true },
        channelData: { tenant: { id: FOREIGN }, team: { id: teamId, name: 'IFO' }, eventType: 'teamMemberAdded' },
      }),
    );
    assert.equal(await bot.services.installations.forTeam(teamId), undefined);
  });

  it('drops an activity that names no tenant at all', async () => {
    const activity = bot.baseActivity(as.teacher, { type: 'message', text: 'hej' });
    delete activity.conversation.tenantId;
    delete activity.channelData;
    await assertDropped(activity);
  });

  it('drops an activity whose conversation and channel data name different tenants', async () => {
    const activity = bot.baseActivity(as.teacher, { type: 'message', text: 'hej' });
    activity.channelData = { tenant: { id: FOREIGN } };
    await assertDropped(activity);
  });

  it("serves the municipality's tenant and a further configured one", async () => {
    const res = await bot.send(as.teacher, 'hej');
    assert.equal(res.length, 1);
    const extra = await bot.send({ ...as.otherTeacher, tenantId: 'abababab-0000-4000-8000-000000000000' }, 'hej');
    assert.equal(extra.length, 1);
    assert.ok(TENANT);
  });
});
