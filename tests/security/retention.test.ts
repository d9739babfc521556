import { trackReport } from '../../src/services/stat-rollup';
import { updateProfile, userProfile } from '../../src/services/store/users';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBot, type TestBot } from '../support/bot';
import { actionsOf } from '../support/cards';
import { ManualClock } from '../support/clock';
import { forbid } from '../support/logs';
import { findInFiles, findInTables } from '../support/scan';
import { as } from '../support/users';

const DAY = 24 * 60 * 60 * 1000;

/** Test data for one child: Skatteverket's published test personnummer, invented names. */
const child = { name: 'Elin Gallringsson', pnr: '201212121212', concern: 'Elin berättade att hon blir slagen hemma' };
const handler = { name: 'Hanna Handläggarsson', phone: '0123-456 77' };
forbid(child.name, child.pnr, child.concern, handler.name, handler.phone, 'Gallringsson', 'Handläggarsson');

/**
 * Seeds what the report flow stores (the report flow writes the same rows): a report with its
 * sealed content and data key, its history, the handler's name in clear, an audit entry, a
 * delivered channel message; and a draft. Returns the ciphertexts, to look for them afterwards.
 */
async function seed(bot: TestBot, opts: { id: string; receivedAt: Date; decisionAt?: Date; draftUpdatedAt?: Date; registered?: boolean }) {
  const { store, cipher } = bot.services;
  const iso = (d: Date) => d.toISOString();
  const reportKey = cipher.newDataKey(opts.id);
  const sealed = cipher.seal(reportKey.key, { child, guardians: [{ name: 'Gun Gallringsson' }] }, `report:${opts.id}`);
  const draftId = `draft-${opts.id}`;
  const draftKey = cipher.newDataKey(draftId);
  const draftSealed = cipher.seal(draftKey.key, { child }, `draft:${draftId}`);
  const at = opts.receivedAt;
  await store.transaction(async (trx) => {
    await store.dataKeys.put(trx, opts.id, reportKey.wrapped.masterKeyId, reportKey.wrapped.wrapped, at);
    await trackReport(trx, opts.id, () =>
      trx
        .insertInto('reports')
        .values({
          id: opts.id,
          reference: `ORO-${opts.id}`,
          submission_key: `sub-${opts.id}`,
          reporter_aad: as.teacher.aadObjectId,
          reporter_locale: 'sv',
          school_id: 'ekbacken',
          district_id: 'norra',
          school_type: 'municipal',
          intake_unit_id: 'ifo-mottagningen',
          category: 'violence',
          acute: 0,
          feedback_requested: 1,
          joint_meeting_wanted: 0,
          child_key: cipher.keyedHash('child', child.pnr),
          sealed,
          received_at: iso(at),
          received_month: iso(at).slice(0, 7),
          protection_due_at: iso(at),
          decision_due_at: iso(new Date(at.getTime() + 14 * DAY)),
          channel_conversation_id: '19:ifo;messageid=1',
          channel_activity_id: '1',
          handler_aad: as.intake.aadObjectId,
          handler_name: handler.name,
          handler_phone: handler.phone,
          receipt_at: iso(at),
          protection_at: iso(at),
          protection_immediate: 0,
          decision: opts.decisionAt ? 'opened' : null,
          decision_date: opts.decisionAt ? iso(opts.decisionAt).slice(0, 10) : null,
          decision_at: opts.decisionAt ? iso(opts.decisionAt) : null,
          feedback_inappropriate_at: null,
          feedback_requested_later_at: null,
          feedback_given_at: null,
          joint_meeting_offered_at: null,
          version: 1,
          purged_at: null,
          updated_at: iso(at),
          registered_at: opts.registered === false ? null : iso(at),
        })
        .execute(),
    );
    await trx
      .insertInto('report_events')
      .values({
        id: `ev-${opts.id}`,
        report_id: opts.id,
        at: iso(at),
        actor_aad: as.intake.aadObjectId,
        actor_name: handler.name,
        kind: 'receipt',
        detail: '{}',
      })
      .execute();
    await store.audit.append(
      trx,
      { actor: as.intake.aadObjectId, action: 'report.opened', subject: `ORO-${opts.id}`, outcome: 'allowed' },
      at,
    );
    await store.outbox.enqueue(
      trx,
      {
        dedupeKey: `report:${opts.id}:delayed`,
        target: { kind: 'user', aadObjectId: as.teacher.aadObjectId },
        message: { kind: 'report.delayed', reportId: opts.id },
      },
      at,
    );
    await store.outbox.enqueue(
      trx,
      {
        dedupeKey: `channel:${opts.id}`,
        target: { kind: 'channel', unitId: 'ifo-mottagningen', channel: 'reports' },
        message: { kind: 'report.new', reportId: opts.id },
      },
      at,
    );
    await store.dataKeys.put(trx, draftId, draftKey.wrapped.masterKeyId, draftKey.wrapped.wrapped, opts.draftUpdatedAt ?? at);
    await trx
      .insertInto('drafts')
      .values({
        id: draftId,
        owner_aad: as.teacher.aadObjectId,
        step: 'concern',
        sealed: draftSealed,
        created_at: iso(at),
        updated_at: iso(opts.draftUpdatedAt ?? at),
        nudged_at: null,
      })
      .execute();
  });
  await store.db
    .updateTable('outbox')
    .set({ status: 'sent', sent_at: iso(at) })
    .where('dedupe_key', '=', `channel:${opts.id}`)
    .execute();
  await store.db
    .updateTable('outbox')
    .set({ dedupe_key: `report:${opts.id}:channel` })
    .where('dedupe_key', '=', `channel:${opts.id}`)
    .execute();
  // Conversation state as a flow might keep it (teams-ai turn state), with text in it.
  await store.kv.write(
    `msteams/${opts.id}/conversation`,
    JSON.stringify({ lastText: child.concern }),
    undefined,
    opts.draftUpdatedAt ?? at,
  );
  const ct = (s: string) => (JSON.parse(s) as { ct: string }).ct.slice(0, 24);
  return {
    reportCt: ct(sealed),
    draftCt: ct(draftSealed),
    draftId,
    wrappedKey: JSON.parse(reportKey.wrapped.wrapped).ct.slice(0, 24) as string,
  };
}

describe('retention (gallring): purged data is gone from every table and from the file', () => {
  let bot: TestBot;
  let dbFile: string;
  beforeEach(async () => {
    bot = await startBot({ clock: new ManualClock('2026-01-10T09:00:00+01:00') });
    dbFile = join(bot.dataDir, 'varna.db');
  });
  afterEach(async () => bot.destroy());

  const clearNeedles = [handler.name, handler.phone, child.concern];

  it('shreds a decided report 90 days after the decision: content, data key, names and conversation text gone', async () => {
    const decisionAt = new Date('2026-01-20T10:00:00Z');
    const s = await seed(bot, { id: 'r1', receivedAt: new Date('2026-01-10T08:00:00Z'), decisionAt });
    // Sanity: the scans do find what is there before the purge (the purge checkpoints the file).
    await bot.services.retention.purge(new Date('2026-01-21T00:00:00Z'));
    assert.ok(
      (await findInTables(bot.services.store.db, [handler.name, s.reportCt])).length >= 2,
      'the tables scan sees the data before the purge',
    );
    const sqlite = bot.services.store.dialect === 'sqlite';
    if (sqlite) assert.ok(findInFiles(dbFile, [handler.name, s.reportCt]).length >= 2, 'the file scan sees the data before the purge');
    const queued = await bot.services.store.db.selectFrom('outbox').select('target').where('dedupe_key', 'like', 'report:r1:%').execute();
    assert.equal(queued.filter((m) => m.target.includes(as.teacher.aadObjectId)).length, 1, 'before: a message to the teacher is queued');

    bot.clock.set(new Date(decisionAt.getTime() + 91 * DAY));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 1);
    assert.equal(result.drafts, 1);

    assert.deepEqual(await findInTables(bot.services.store.db, [...clearNeedles, s.reportCt, s.draftCt, s.wrappedKey, child.pnr]), []);
    // The reference stays only in the audit log, which has its own retention (auditYears).
    assert.deepEqual(
      (await findInTables(bot.services.store.db, ['ORO-r1'])).filter((hit) => !hit.startsWith('audit')),
      [],
    );
    // The report is gone: no row, no reference, no exact time, nothing linking the teacher to the
    // child's case (not its history, not where its messages went).
    assert.equal(await bot.services.store.db.selectFrom('reports').select('id').where('id', '=', 'r1').executeTakeFirst(), undefined);
    assert.equal(await bot.services.store.dataKeys.get('r1'), undefined, 'the data key is destroyed: backups are unreadable');
    assert.deepEqual(await bot.services.store.db.selectFrom('report_events').select('id').where('report_id', '=', 'r1').execute(), []);
    const messages = await bot.services.store.db
      .selectFrom('outbox')
      .select(['target', 'status'])
      .where('dedupe_key', 'like', 'report:r1:%')
      .execute();
    assert.ok(
      messages.every((m) => !m.target.includes(as.teacher.aadObjectId)),
      'no message row names the teacher',
    );
    assert.ok(
      messages.every((m) => m.status !== 'pending'),
      'a message not sent by now never will be',
    );
    // What statistics need stays, by month, school and category only.
    const kept = await bot.services.store.db
      .selectFrom('stat_purged_counts')
      .select(['month', 'school_id', 'category', 'reports', 'opened'])
      .execute();
    assert.deepEqual(kept, [{ month: '2026-01', school_id: 'ekbacken', category: 'violence', reports: 1, opened: 1 }]);

    if (!sqlite) return; // PostgreSQL: dead tuples until VACUUM; crypto-shredding covers the content
    await bot.stop();
    assert.deepEqual(
      findInFiles(dbFile, [...clearNeedles, s.reportCt, s.draftCt, s.wrappedKey]),
      [],
      'nothing left in free pages or the write-ahead log',
    );
    await bot.start();
  });

  it('keeps a report until 90 days after the decision, and a report without a decision', async () => {
    const decisionAt = new Date('2026-01-20T10:00:00Z');
    await seed(bot, {
      id: 'r2',
      receivedAt: new Date('2026-01-10T08:00:00Z'),
      decisionAt,
      draftUpdatedAt: new Date('2026-04-01T08:00:00Z'),
    });
    await seed(bot, { id: 'r3', receivedAt: new Date('2026-01-10T08:00:00Z'), draftUpdatedAt: new Date('2026-04-01T08:00:00Z') });
    bot.clock.set(new Date(decisionAt.getTime() + 89 * DAY));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 0);
    assert.equal(result.drafts, 0, 'drafts changed within 30 days stay');
    for (const id of ['r2', 'r3']) {
      const r = await bot.services.store.db
        .selectFrom('reports')
        .select(['sealed', 'purged_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.ok(r.sealed);
      assert.equal(r.purged_at, null);
      assert.ok(await bot.services.store.dataKeys.get(id));
    }
  });

  it('keeps a report nobody registered, and alerts on it once: in its thread only while its purge date is near', async () => {
    const decisionAt = new Date('2026-01-20T10:00:00Z');
    await seed(bot, { id: 'r8', receivedAt: new Date('2026-01-10T08:00:00Z'), decisionAt, registered: false });
    await seed(bot, { id: 'r9', receivedAt: new Date('2026-01-10T08:00:00Z'), decisionAt, registered: false });
    // r9 was long past its purge date already (as reports from before the upgrade are).
    await bot.services.store.db.updateTable('reports').set({ decision_at: '2025-06-01T10:00:00.000Z' }).where('id', '=', 'r9').execute();
    bot.clock.set(new Date(decisionAt.getTime() + 91 * DAY));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 0, 'not purged: not registered');
    assert.equal(result.unregisteredAlerts, 2);
    const alerts = await bot.services.store.db
      .selectFrom('outbox')
      .select('dedupe_key')
      .where('dedupe_key', 'like', '%:purgeDue')
      .execute();
    assert.deepEqual(
      alerts.map((a) => a.dedupe_key),
      ['report:r8:purgeDue'],
      'no thread alert for one long past its date: the daily summary lists it',
    );
    assert.equal((await bot.services.retention.purge()).unregisteredAlerts, 0, 'once');
    const kept = await bot.services.store.db
      .selectFrom('reports')
      .select(['sealed', 'purge_warned_at'])
      .where('id', 'in', ['r8', 'r9'])
      .execute();
    assert.ok(kept.every((r) => r.sealed && r.purge_warned_at));
  });

  it('deletes a draft 30 days after its last change, with its data key', async () => {
    const s = await seed(bot, { id: 'r4', receivedAt: new Date('2026-01-10T08:00:00Z'), draftUpdatedAt: new Date('2026-01-10T08:00:00Z') });
    bot.clock.set('2026-02-08T08:00:00Z');
    assert.equal((await bot.services.retention.purge()).drafts, 0, 'day 29: kept');
    bot.clock.set('2026-02-10T08:00:00Z');
    assert.equal((await bot.services.retention.purge()).drafts, 1);
    assert.equal(await bot.services.store.dataKeys.get(s.draftId), undefined);
    assert.deepEqual(await findInTables(bot.services.store.db, [s.draftCt, child.concern]), []);
  });

  it('deletes audit entries older than five years and the rest of the chain still verifies', async () => {
    const { store } = bot.services;
    for (const at of ['2020-01-01T00:00:00Z', '2020-06-01T00:00:00Z', '2024-01-01T00:00:00Z']) {
      await store.transaction((trx) =>
        store.audit.append(
          trx,
          { actor: as.intake.aadObjectId, action: 'report.opened', subject: 'ORO-x', outcome: 'allowed' },
          new Date(at),
        ),
      );
    }
    bot.clock.set('2026-01-10T00:00:00Z');
    const result = await bot.services.retention.purge();
    assert.equal(result.auditEntries, 2);
    const left = await store.db.selectFrom('audit').select(['at', 'action']).orderBy('seq').execute();
    assert.deepEqual(
      left.map((r) => r.action),
      ['report.opened', 'retention.purged'],
    );
    assert.deepEqual(await store.audit.verify(), { ok: true, entries: 2 });
    // Tampering with what remains is still detected.
    await store.db.updateTable('audit').set({ actor: 'someone-else' }).where('action', '=', 'report.opened').execute();
    assert.equal((await store.audit.verify()).ok, false);
  });

  it('is idempotent, audited with counts only, and runs every night by itself', async () => {
    await seed(bot, { id: 'r5', receivedAt: new Date('2026-01-10T08:00:00Z'), decisionAt: new Date('2026-01-11T08:00:00Z') });
    bot.clock.set('2026-04-13T12:00:00+02:00');
    await bot.services.jobs.runDue(); // first sight of the job: nothing is "missed" before it existed
    bot.clock.set('2026-04-15T03:00:00+02:00');
    await bot.services.jobs.runDue();
    const r = await bot.services.store.db.selectFrom('reports').select('purged_at').where('id', '=', 'r5').executeTakeFirst();
    assert.equal(r, undefined, 'the nightly job purged it');
    const again = await bot.services.retention.purge();
    assert.deepEqual(
      { ...again, turnState: 0 },
      {
        drafts: 0,
        reports: 0,
        undecidedReports: 0,
        teamsMessages: 0,
        unregisteredAlerts: 0,
        users: 0,
        auditEntries: 0,
        turnState: 0,
        deliveredMessages: 0,
      },
    );
    const entries = await bot.services.store.db
      .selectFrom('audit')
      .select(['action', 'detail'])
      .where('action', '=', 'retention.purged')
      .execute();
    assert.ok(entries.length >= 2);
    assert.ok(entries.some((e) => JSON.parse(e.detail).reports === 1));
  });

  it('shreds a report that never got a decision in Värna two years after it came in, not before', async () => {
    await seed(bot, { id: 'r6', receivedAt: new Date('2026-01-10T08:00:00Z') });
    bot.clock.set(new Date(new Date('2026-01-10T08:00:00Z').getTime() + 729 * DAY));
    assert.equal((await bot.services.retention.purge()).reports, 0, 'day 729: kept');
    bot.clock.set(new Date(new Date('2026-01-10T08:00:00Z').getTime() + 731 * DAY));
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 1);
    assert.equal(result.undecidedReports, 1);
    assert.equal(await bot.services.store.db.selectFrom('reports').select('id').where('id', '=', 'r6').executeTakeFirst(), undefined);
    assert.equal(await bot.services.store.dataKeys.get('r6'), undefined);
  });

  it("deletes a user's saved school, phone and language a year after last use, but not while a report of theirs is kept", async () => {
    const { store } = bot.services;
    await updateProfile(store.db, as.teacher.aadObjectId, { phone: handler.phone, schoolId: 'ekbacken' }, new Date('2026-01-10T08:00:00Z'));
    await updateProfile(
      store.db,
      as.otherTeacher.aadObjectId,
      { phone: '0123-456 78', schoolId: 'ekbacken' },
      new Date('2026-01-10T08:00:00Z'),
    );
    await seed(bot, { id: 'r7', receivedAt: new Date('2026-01-10T08:00:00Z') }); // the teacher's, undecided
    bot.clock.set('2027-01-09T08:00:00Z');
    assert.equal((await bot.services.retention.purge()).users, 0, 'day 364: kept');
    bot.clock.set('2027-01-11T08:00:00Z');
    assert.equal((await bot.services.retention.purge()).users, 1);
    assert.equal(await userProfile(store.db, as.otherTeacher.aadObjectId), undefined);
    assert.ok(await userProfile(store.db, as.teacher.aadObjectId), 'kept: the report r7 is not shredded yet');
    bot.clock.set('2028-01-11T08:00:00Z'); // r7 shredded (undecided, 730 days): now the user row goes too
    const result = await bot.services.retention.purge();
    assert.equal(result.reports, 1);
    assert.equal(result.users, 1);
    assert.equal(await userProfile(store.db, as.teacher.aadObjectId), undefined);
  });

  it('closes a consultation nobody closed after 180 quiet days, and purges its text 30 days later', async () => {
    await bot.installPersonal(as.teacher);
    const question = 'En elev har återkommande blåmärken och vill inte gå hem efter skolan. Räcker det?';
    forbid(question);
    const compose = await bot.execute(as.teacher, 'consult.start', {});
    const send = actionsOf(compose.card).find((a) => a.verb === 'consult.send')!;
    await bot.execute(as.teacher, 'consult.send', { ...send.data, text: question, schoolId: 'ekbacken', showSchool: 'false' });
    const { store } = bot.services;
    const c = await store.db.selectFrom('consultations').select(['id', 'status']).executeTakeFirstOrThrow();
    assert.equal(c.status, 'open');
    bot.clock.set(new Date(bot.clock.now().getTime() + 179 * DAY));
    await bot.services.consultations.purgeExpired(bot.clock.now());
    assert.equal(
      (await store.db.selectFrom('consultations').select('status').where('id', '=', c.id).executeTakeFirstOrThrow()).status,
      'open',
      'day 179: still open',
    );
    bot.clock.set(new Date(bot.clock.now().getTime() + 2 * DAY));
    await bot.services.consultations.purgeExpired(bot.clock.now());
    const closed = await store.db
      .selectFrom('consultations')
      .select(['status', 'outcome', 'sealed'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    assert.equal(closed.status, 'closed');
    assert.equal(closed.outcome, null, 'closed without an outcome');
    assert.ok(closed.sealed, 'the text stays for the 30 days any closed consultation keeps it');
    const audit = await store.db.selectFrom('audit').select('detail').where('action', '=', 'consultation.closedUnused').execute();
    assert.equal(audit.length, 1);
    bot.clock.set(new Date(bot.clock.now().getTime() + 31 * DAY));
    assert.equal(await bot.services.consultations.purgeExpired(bot.clock.now()), 1);
    const purged = await store.db
      .selectFrom('consultations')
      .select(['sealed', 'purged_at'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    assert.equal(purged.sealed, null);
    assert.ok(purged.purged_at);
  });
});
