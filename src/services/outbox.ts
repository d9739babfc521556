import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import type { Clock } from './clock';
import type { Coordinator } from './coordinator';
import { makePacer } from './pacing';
import type { NewOutboxMessage, OutboxRow, Store, Tx } from './store';

/** Where a proactive message goes. Only the 1:1 chat of a user, or a configured channel. */
export type Target =
  | { kind: 'user'; aadObjectId: string }
  | { kind: 'channel'; unitId: string; channel: 'reports' | 'consultations' | 'onCall' }
  | { kind: 'thread'; unitId: string; conversationId: string };

/** A message intent: rendered to a card when it is sent, from the store's current state. */
export interface OutboxMessage {
  kind: string;
  [key: string]: unknown;
}

export interface SendResult {
  activityId?: string;
  conversationId?: string;
}

/** What a send failure tells the outbox: retry (with the server's Retry-After) or give up. */
export class SendFailure extends Error {
  override name = 'SendFailure';
  constructor(
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    readonly permanent: boolean,
    message: string,
    /** The request may have reached Teams (a timeout, a dropped connection): the row is in doubt. */
    readonly uncertain = false,
  ) {
    super(message);
  }
}

/** How a send is made: the row's marker goes into what is sent, so Graph can find it later. */
export interface SendOptions {
  /** Unique per message intent (from its dedupe key); carried in the card, never shown. */
  marker: string;
  /** The message may already have arrived and could not be checked: say so on it. */
  possibleRepeat: boolean;
}

/** What a look for an earlier, unconfirmed send found. */
export type FindResult = { status: 'found'; result: SendResult } | { status: 'absent' } | { status: 'unknown'; reason: string };

export interface Sender {
  /** Pacing key: the conversation the send lands in. */
  conversationOf(target: Target): string;
  send(target: Target, message: OutboxMessage, opts: SendOptions): Promise<SendResult>;
  /**
   * Looks in Teams (over Microsoft Graph) for a message with this marker sent since `since`.
   * 'unknown' when it cannot tell: a 1:1 chat (no fitting permission), Graph unreachable or not
   * permitted.
   */
  find?(target: Target, marker: string, since: Date): Promise<FindResult>;
}

/** The marker of a message intent: a hash of its dedupe key (ids only, but no need to show them). */
export function markerOf(dedupeKey: string): string {
  return `varna-${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 24)}`;
}

export interface DeliveryHooks {
  /** Called once after a message is sent (e.g. remember the channel card's id), with where it was sent. */
  onSent?(message: OutboxMessage, result: SendResult, trx: Tx, target: Target): Promise<void>;
  /** Called once when a message with a deadline is still not delivered at its deadline. */
  onDeadline?(message: OutboxMessage, target: Target): Promise<void>;
  /** Not before this time (reminders wait for working hours): asked whenever the message is due. */
  holdUntil?(message: OutboxMessage, now: Date): Date | undefined;
  /**
   * At most once: a send that was interrupted and cannot be checked is recorded, not sent again
   * (a reminder: a second copy is worse than a card that may be missing).
   */
  atMostOnce?: boolean;
  /**
   * Sending it again does no harm (an update or a delete of a message already sent): a send that
   * was interrupted is simply made again, without a look in Teams or a "may repeat" mark.
   */
  idempotent?: boolean;
}

export interface OutboxDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Milliseconds to wait for real (sleep), separate from the clock, so tests control both. */
  random?: () => number;
  /** Several instances on PostgreSQL: pg-boss decides which instance delivers (see coordinator.ts). */
  coordinator?: Coordinator;
  /** A send that has not answered by then counts as failed and is retried (a hung connection must not stall the outbox). */
  sendTimeoutMs?: number;
  /**
   * VARNA_OUTBOX_PAUSED: deliver nothing (messages stay stored, due). For a restored store: its
   * outbox holds messages from before the backup, which would otherwise go to real people again.
   */
  paused?: boolean;
}

const SEND_TIMEOUT_MS = 30_000;

const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;
const LEASE_MS = 60_000;
const QUEUE = 'varna-outbox';
const BATCH = 50;
const PARALLEL = 8;
/** At most this many full conversations are left out of a claim (the SQL stays small). */
const MAX_SKIPPED = 50;
const DEADLINE_CHECK_MS = 1_000;

/** A claimed row the pacer let go now, with its send reserved in the pacer at `reservedAt`. */
interface Paced {
  row: OutboxRow;
  target: Target;
  conversation: string;
  reservedAt: number;
}

/**
 * The durable outbox: every proactive message is stored before anything is sent, then delivered
 * with retries (exponential backoff with jitter, Retry-After honoured), paced under Teams' limits,
 * and never lost on restart. A dedupe key per message keeps retries of the same intent single.
 */
export function makeOutbox({
  store,
  clock,
  log,
  random = Math.random,
  coordinator,
  sendTimeoutMs = SEND_TIMEOUT_MS,
  paused = false,
}: OutboxDeps) {
  // A claimed row stays with its instance this long; after a crash another instance may send it.
  const leaseMs = coordinator ? Math.min(LEASE_MS, coordinator.failoverMs) : LEASE_MS;
  const pacer = makePacer();
  const hooks = new Map<string, DeliveryHooks>();
  let sender: Sender | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let draining: Promise<number> | undefined;
  let wakeRequested = false;
  // Targets (as stored) whose conversation the pacer had no room for, and until when: the claim
  // leaves their rows alone until then. Every report card goes to the same intake channel (7 a
  // second); without this a burst of reports would claim and hand back dozens of rows per round.
  const full = new Map<string, number>();
  // Deadlines are minutes away: looking for missed ones once a second is enough.
  let deadlinesCheckedAt = -Infinity;

  // Targets of messages stored since the last delivery round (see wake).
  const stored = new Set<string>();
  let timerAt = Infinity;

  /** Makes sure the loop runs again by `at` (clock time). */
  function comeBackBy(at: number): void {
    if (!running || timerAt <= at) return;
    if (timer) clearTimeout(timer);
    schedule(Math.max(0, at - clock.now().getTime()));
  }

  function schedule(inMs: number): void {
    timerAt = clock.now().getTime() + inMs;
    timer = setTimeout(() => {
      timerAt = Infinity;
      void loop();
    }, inMs);
  }

  function fullTargets(now: number): string[] {
    for (const [target, until] of full) if (until <= now) full.delete(target);
    return full.size > MAX_SKIPPED ? [...full.keys()].slice(0, MAX_SKIPPED) : [...full.keys()];
  }

  function backoff(attempts: number): number {
    const base = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempts);
    return Math.round(base * (0.5 + random()));
  }

  async function recordSent(row: OutboxRow, message: OutboxMessage, result: SendResult): Promise<void> {
    // The sent-hook's writes and the sent mark commit together: a crash leaves both or neither.
    const onSent = hooks.get(message.kind)?.onSent;
    await store.transaction(async (trx) => {
      if (onSent) await onSent(message, result, trx, JSON.parse(row.target) as Target);
      await store.outbox.markSent(row.id, result, clock.now(), trx);
    });
  }

  /**
   * A row whose last send was never confirmed (the process died, the send timed out): ask Teams
   * whether the message is there before sending it again.
   */
  async function settle(row: OutboxRow, target: Target, message: OutboxMessage): Promise<'found' | 'absent' | 'unknown'> {
    if (hooks.get(message.kind)?.idempotent) {
      await store.outbox.clearDoubt(row.id);
      return 'absent';
    }
    let found: FindResult;
    try {
      found = sender!.find
        ? await sender!.find(target, markerOf(row.dedupe_key), new Date(row.attempt_at!))
        : { status: 'unknown', reason: 'no-lookup' };
    } catch (error) {
      found = { status: 'unknown', reason: (error as Error).name || 'error' };
    }
    if (found.status === 'found') {
      await recordSent(row, message, found.result);
      log.info(
        { event: 'outbox.reconciled', id: row.id, kind: message.kind },
        'delivered before the interruption: recorded, not sent again',
      );
      return 'found';
    }
    if (found.status === 'absent') {
      await store.outbox.clearDoubt(row.id);
      log.info({ event: 'outbox.not-arrived', id: row.id, kind: message.kind }, 'the interrupted send did not arrive: sending it');
      return 'absent';
    }
    if (hooks.get(message.kind)?.atMostOnce) {
      await recordSent(row, message, {});
      log.warn(
        { event: 'outbox.not-resent', id: row.id, kind: message.kind, reason: found.reason },
        'cannot tell whether an interrupted send arrived: not sent again (at most once)',
      );
      return 'found';
    }
    log.warn(
      { event: 'outbox.possible-repeat', id: row.id, kind: message.kind, reason: found.reason },
      'cannot tell whether an interrupted send arrived: sending again, marked as a possible repeat',
    );
    await store.transaction((trx) =>
      store.audit.append(
        trx,
        {
          actor: 'system',
          action: 'outbox.possibleRepeat',
          subject: `outbox:${row.id}`,
          outcome: 'allowed',
          detail: { kind: message.kind, reason: found.reason },
        },
        clock.now(),
      ),
    );
    return 'unknown';
  }

  /**
   * Splits claimed rows into those whose conversation has room now (their sends are recorded in
   * the pacer here) and the rest, which go back to the store in one statement per conversation,
   * not one write each: every report card goes to the same intake channel (7 a second), so a
   * burst would otherwise cost a write for nearly every claimed row on every round.
   */
  async function pace(claimed: OutboxRow[]): Promise<Paced[]> {
    const now = clock.now().getTime();
    // Oldest first (ids begin with the time they were stored): a row deferred earlier is due again
    // later than one stored while its conversation was full, and must still go first.
    const rows = [...claimed].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const go: Paced[] = [];
    const deferred = new Map<string, { ids: string[]; wait: number }>();
    for (const row of rows) {
      const target = JSON.parse(row.target) as Target;
      const conversation = sender!.conversationOf(target);
      const held = deferred.get(conversation);
      if (held) {
        held.ids.push(row.id);
        continue;
      }
      const wait = pacer.delayFor(conversation, now);
      if (wait > 0) {
        deferred.set(conversation, { ids: [row.id], wait });
        full.set(row.target, now + wait);
        continue;
      }
      pacer.record(conversation, now);
      go.push({ row, target, conversation, reservedAt: now });
    }
    for (const { ids, wait } of deferred.values()) await store.outbox.defer(ids, new Date(now + wait));
    return go;
  }

  /** Claimed rows whose kind says "not yet" (a reminder at night) go back until then, unsent. */
  async function holdBack(claimed: OutboxRow[], now: Date): Promise<OutboxRow[]> {
    if (![...hooks.values()].some((h) => h.holdUntil)) return claimed;
    const ready: OutboxRow[] = [];
    const held = new Map<number, string[]>();
    for (const row of claimed) {
      const message = JSON.parse(row.message) as OutboxMessage;
      const until = hooks.get(message.kind)?.holdUntil?.(message, now);
      if (until && until > now) held.set(until.getTime(), [...(held.get(until.getTime()) ?? []), row.id]);
      else ready.push(row);
    }
    for (const [until, ids] of held) await store.outbox.defer(ids, new Date(until));
    return ready;
  }

  async function deliverOne({ row, target, conversation, reservedAt }: Paced): Promise<'sent' | 'retry' | 'failed'> {
    const message = JSON.parse(row.message) as OutboxMessage;
    let possibleRepeat = false;
    if (row.attempt_at) {
      const settled = await settle(row, target, message);
      if (settled === 'found') return 'sent';
      possibleRepeat = settled === 'unknown';
    }
    // Committed before the request leaves: a crash from here on leaves the row in doubt.
    await store.outbox.markAttempt(row.id, clock.now());
    // The send was reserved when the batch was paced; count it from when it really leaves, and
    // then from its answer: the request reached Teams at some moment before that, so a send a
    // whole window later can never land in the same window at Teams, however long this one took
    // on the way (counted from the moment it left, a send delayed by 50 ms on the way met a 429).
    const leftAt = clock.now().getTime();
    pacer.retime(conversation, reservedAt, leftAt);
    try {
      // Real time, not the clock: this bounds waiting on the network.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SendFailure(undefined, undefined, false, 'send timed out', true)), sendTimeoutMs);
      });
      const send = sender!.send(target, message, { marker: markerOf(row.dedupe_key), possibleRepeat });
      const result = await Promise.race([send, timeout]).finally(() => {
        clearTimeout(timer);
        pacer.retime(conversation, leftAt, clock.now().getTime());
      });
      await recordSent(row, message, result);
      log.info(
        { event: 'outbox.sent', id: row.id, kind: message.kind, attempts: row.attempts + 1, ...(possibleRepeat ? { possibleRepeat } : {}) },
        'delivered',
      );
      return 'sent';
    } catch (error) {
      const failure = error instanceof SendFailure ? error : new SendFailure(undefined, undefined, false, (error as Error).name, true);
      const later = clock.now();
      if (failure.permanent) {
        await store.outbox.markFailed(row.id, `${failure.status ?? ''} ${failure.message}`.trim());
        log.error({ event: 'outbox.failed', id: row.id, kind: message.kind, status: failure.status }, 'delivery failed permanently');
        await alertDeadline(row, message, target, later, true);
        return 'failed';
      }
      const delay = Math.max(failure.retryAfterMs ?? 0, backoff(row.attempts));
      // Teams answered with an error: this send did not arrive. It clears the doubt unless an
      // earlier, unsettled send may still have arrived.
      const doubt = failure.uncertain || possibleRepeat ? 'keep' : 'clear';
      await store.outbox.reschedule(row.id, new Date(later.getTime() + delay), `${failure.status ?? 'error'}`, true, doubt);
      log.warn(
        { event: 'outbox.retry', id: row.id, kind: message.kind, status: failure.status, inMs: delay, inDoubt: doubt === 'keep' },
        'delivery will be retried',
      );
      await alertDeadline(row, message, target, later, false);
      return 'retry';
    }
  }

  async function alertDeadline(row: OutboxRow, message: OutboxMessage, target: Target, now: Date, force: boolean): Promise<void> {
    if (!row.deadline_at) return;
    if (!force && new Date(row.deadline_at) > now) return;
    if (!(await store.outbox.markDeadlineAlerted(row.id, now))) return;
    log.error({ event: 'outbox.deadline', id: row.id, kind: message.kind, alert: 'operational' }, 'message not delivered by its deadline');
    await hooks.get(message.kind)?.onDeadline?.(message, target);
  }

  /**
   * Different conversations are served in parallel (up to PARALLEL at once); one conversation's
   * messages go one after the other, in the order they were stored, so a consultation thread or
   * a teacher's chat reads in order. A send that fails and is retried later is the exception: the
   * messages behind it still go now (holding them would let one bad message stop a chat).
   */
  async function deliverInOrder(rows: Paced[]): Promise<Array<'sent' | 'retry' | 'failed'>> {
    const byConversation = new Map<string, Paced[]>();
    for (const p of rows) {
      const queue = byConversation.get(p.conversation);
      if (queue) queue.push(p);
      else byConversation.set(p.conversation, [p]);
    }
    const queues = [...byConversation.values()];
    const results: Array<'sent' | 'retry' | 'failed'> = [];
    const worker = async () => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const p of queue) results.push(await deliverOne(p));
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queues.length) }, worker));
    return results;
  }

  /** Sends everything due now (or until `until`, a real-time limit); returns how many were sent. */
  async function deliverDue(until = Infinity): Promise<number> {
    if (!sender || paused) return 0;
    // A deadline is noticed even while the message waits for its next retry.
    const now = clock.now();
    if (Math.abs(now.getTime() - deadlinesCheckedAt) >= DEADLINE_CHECK_MS) {
      deadlinesCheckedAt = now.getTime();
      for (const row of await store.outbox.pastDeadline(now)) {
        await alertDeadline(row, JSON.parse(row.message) as OutboxMessage, JSON.parse(row.target) as Target, now, false);
      }
    }
    let sent = 0;
    while (Date.now() < until) {
      // Claim no more than the tenant may send this second: rows left unclaimed stay due, instead
      // of being claimed only to be pushed back by the pacer (which would cost a write each).
      const { room } = pacer.tenantRoom(clock.now().getTime());
      if (room === 0) break;
      const at = clock.now();
      const claimed = await store.outbox.claimDue(at, Math.min(BATCH, room), leaseMs, fullTargets(at.getTime()));
      if (claimed.length === 0) break;
      const ready = await holdBack(claimed, at);
      const results = await deliverInOrder(await pace(ready));
      sent += results.filter((r) => r === 'sent').length;
      // Rows held back were put off (not claimable now): the next claim finds the others.
      if (!results.some((r) => r === 'sent' || r === 'failed') && ready.length === claimed.length) break;
    }
    return sent;
  }

  async function drain(): Promise<number> {
    if (draining) {
      wakeRequested = true;
      return draining;
    }
    draining = (async () => {
      let total = 0;
      do {
        wakeRequested = false;
        total += await deliverDue();
      } while (wakeRequested);
      return total;
    })().finally(() => (draining = undefined));
    return draining;
  }

  /** When the next send may go: the earliest due message, once the tenant's pacing allows. */
  async function nextAttemptAt(): Promise<Date | undefined> {
    const now = clock.now().getTime();
    const skipped = fullTargets(now);
    // A skipped target's conversation has room again at its time (the loop then finds out whether
    // anything waits there).
    const due = Math.min((await store.outbox.nextDueAt(skipped))?.getTime() ?? Infinity, ...skipped.map((t) => full.get(t)!));
    if (due === Infinity) return undefined;
    return new Date(Math.max(due, now + pacer.tenantRoom(now).waitMs));
  }

  async function loop(): Promise<void> {
    if (!running) return;
    try {
      await drain();
    } catch (error) {
      log.error({ event: 'outbox.loop', err: error }, 'outbox loop error');
    }
    if (!running) return;
    const next = await nextAttemptAt().catch(() => undefined);
    const inMs = next ? Math.min(1_000, Math.max(20, next.getTime() - clock.now().getTime())) : 1_000;
    if (timer) clearTimeout(timer);
    schedule(inMs);
  }

  return {
    setSender(s: Sender) {
      sender = s;
    },
    on(kind: string, h: DeliveryHooks) {
      hooks.set(kind, h);
    },
    /** Stores a message in the caller's transaction; `wake` after the commit sends it. */
    enqueue(trx: Tx, m: NewOutboxMessage, now: Date): Promise<void> {
      stored.add(JSON.stringify(m.target));
      return store.outbox.enqueue(trx, m, now);
    },
    /** Deliver what is due now and wait for it (tests; the loop calls it too). */
    drain,
    nextAttemptAt,
    /** Wake the loop after a commit, so a stored message goes out at once. */
    wake() {
      if (!running || paused) return;
      if (coordinator) return coordinator.poke(QUEUE);
      // Everything stored since the last round waits for a conversation that has no room now (a
      // burst of report cards to the intake channel): the loop comes back when it has room, and
      // a round now would only look at rows it cannot send.
      const now = clock.now().getTime();
      const reopens = [...stored].map((target) => full.get(target) ?? 0);
      stored.clear();
      if (reopens.length && reopens.every((at) => at > now) && !wakeRequested) return comeBackBy(Math.min(...reopens));
      void drain().catch((error) => log.error({ event: 'outbox.wake', err: error }, 'outbox wake error'));
    },
    start() {
      if (running) return;
      running = true;
      if (paused) {
        // No loop and no claims: nothing leaves, nothing is marked. Told at every start.
        log.warn(
          { event: 'outbox.paused' },
          'VARNA_OUTBOX_PAUSED is set: the outbox delivers nothing (cards, feedback, reminders wait in the store) until it is unset and Värna restarted',
        );
        return;
      }
      if (!coordinator) {
        // One process per SQLite file (the store's lock): claims left in the store are a dead
        // process's, so free them now instead of waiting out their lease; rows it left in doubt
        // are settled on the first run.
        void (store.dialect === 'sqlite' ? store.outbox.releaseLeases() : Promise.resolve(0))
          .then((n) => n && log.info({ event: 'outbox.leases-released', rows: n }, 'claims of a stopped process released'))
          .catch((error) => log.error({ event: 'outbox.leases', err: error }, 'could not release old claims'))
          .finally(() => void loop());
        return;
      }
      // One instance delivers at a time; a run stops after a third of the failover time so that
      // pg-boss never takes a live run for a dead one, and asks for the next run if work is left.
      coordinator.exclusive(QUEUE, 1_000, async () => {
        if (!running) return;
        const until = Date.now() + coordinator.failoverMs / 3;
        await deliverDue(until);
        if (Date.now() >= until) coordinator.poke(QUEUE);
      });
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await draining?.catch(() => undefined);
    },
  };
}
export type Outbox = ReturnType<typeof makeOutbox>;
