import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config';
import { startVarna, type Running } from '../../src/index';
import { createLogger } from '../../src/log';
import { makeKeyring, type Keyring } from '../../src/services/crypto';
import { ManualClock } from './clock';
import { ConnectorStandIn, activityOf, type ConnectorCall } from './connector';
import { cardsOf, checkCard } from './cards';
import type { TestIdentity } from './identity';
import { LogCapture } from './logs';
import { createTestStore, testStoreKind, type TestStore } from './store';
import { TENANT, type TestUser } from './users';
import { rollupDifferences } from '../../src/services/stat-rollup';

export interface StartBotOptions {
  clock?: ManualClock;
  env?: Record<string, string>;
  /** Reuse a data folder (restart tests). */
  dataDir?: string;
  connector?: ConnectorStandIn;
  deliverInBackground?: boolean;
  /** Start WITH credentials: tokens are checked against this issuer and every post carries one. */
  identity?: TestIdentity;
  /** The master and index keys (default: fixed test keys). */
  keyring?: Keyring;
}

const TEST_KEY = Buffer.alloc(32, 7);
/** The intake team's Microsoft 365 group id, as Teams sends it in the install event. */
export const TEAM_GROUP_ID = '6f1c2a4e-0b7d-4c1e-9a55-2d3e4f5a6b7c';
const TEST_INDEX_KEY = Buffer.alloc(32, 9);

export interface PostResult {
  status: number;
  body: any;
}

/**
 * A real Värna: restify server on a free port, real TeamsAdapter and Application, SQLite in a temp
 * folder, talking to a Connector stand-in on 127.0.0.1. Tests drive it with the activities Teams sends.
 */
export class TestBot {
  running!: Running;
  config!: Config;
  /** SQLite file in dataDir, or a fresh PostgreSQL schema (VARNA_TEST_STORE=postgres); kept across restarts. */
  store?: TestStore;
  readonly logs = new LogCapture();
  private activitySeq = 0;
  /** Last card message id per conversation, used as replyToId when pressing its buttons. */
  readonly lastCardId = new Map<string, string>();

  constructor(
    readonly connector: ConnectorStandIn,
    readonly clock: ManualClock,
    readonly dataDir: string,
    private readonly opts: StartBotOptions,
  ) {}

  get url(): string {
    return this.running.url;
  }
  get services() {
    return this.running.services;
  }

  private destroyed = false;

  async start(): Promise<this> {
    this.destroyed = false;
    this.store ??= await storeFor(this.dataDir);
    this.config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'debug',
      VARNA_STORE_URL: this.store.url,
      VARNA_QUEUE_SCHEMA: `${this.store.schema ?? 'pgboss'}_boss`,
      VARNA_CONFIG: 'config/example.yaml',
      BOT_TENANT_ID: TENANT,
      // Flow tests press many buttons without moving the clock; the rate limit has its own tests.
      VARNA_RATE_BURST: '100000',
      // Graph (settling interrupted channel posts) is the Connector stand-in too.
      VARNA_GRAPH_URL: `${this.connector.url}graph/v1.0`,
      ...this.opts.identity?.env(),
      ...this.opts.env,
    });
    this.running = await startVarna({
      config: this.config,
      clock: this.clock,
      log: createLogger('debug', this.logs),
      keyring: this.opts.keyring ?? makeKeyring('test', TEST_KEY, [], TEST_INDEX_KEY),
      deliverInBackground: this.opts.deliverInBackground ?? false,
      ...(this.opts.identity ? { credentialsFactory: this.opts.identity.credentialsFactory() } : {}),
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  /** Stop and start again on the same data, as after a crash or a deploy. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    // Every protocol test ends with the statistics roll-up checked against the raw rows: each write
    // the services made kept it current in its own transaction (issue 7).
    const differences = this.running && !this.destroyed ? await rollupDifferences(this.running.services.store.db) : [];
    this.destroyed = true;
    await this.stop();
    if (!this.opts.connector) await this.connector.stop();
    if (!this.opts.dataDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      pgStores.delete(this.dataDir);
      await this.store?.drop();
    }
    if (differences.length) throw new Error(`the statistics roll-up differs from the rows:\n${differences.slice(0, 20).join('\n')}`);
  }

  personalConversation(user: TestUser): string {
    return `a:personal-${user.aadObjectId}`;
  }

  baseActivity(user: TestUser, extra: Record<string, any> = {}): Record<string, any> {
    const tenantId = user.tenantId ?? TENANT;
    return {
      id: `in-${++this.activitySeq}-${randomBytes(3).toString('hex')}`,
      timestamp: this.clock.now().toISOString(),
      localTimestamp: this.clock.now().toISOString(),
      serviceUrl: this.connector.url,
      channelId: 'msteams',
      from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
      conversation: { conversationType: 'personal', tenantId, id: this.personalConversation(user) },
      recipient: { id: `28:${this.config.botAppId}`, name: 'Värna' },
      locale: user.locale ?? 'sv-SE',
      channelData: { tenant: { id: tenantId } },
      ...extra,
    };
  }

  /** POST an activity to /api/messages; returns the HTTP status and body (the invoke response). */
  async post(activity: Record<string, any>, headers: Record<string, string> = {}): Promise<PostResult> {
    // With credentials, sign a channel token for the activity unless the test brings its own.
    const identity = this.opts.identity;
    const auth: Record<string, string> =
      identity && !('authorization' in headers)
        ? { authorization: `Bearer ${await identity.channelToken(String(activity.serviceUrl ?? ''))}` }
        : {};
    const res = await fetch(`${this.url}/api/messages`, {
      method: 'POST',
      // An empty header value means: send no such header (a request without a token).
      headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...auth, ...headers }).filter(([, v]) => v !== '')),
      body: JSON.stringify(activity),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    this.noteCards();
    return { status: res.status, body };
  }

  /** Remember the ids of the cards the bot posted, so buttons can be pressed on them. */
  private noteCards(): void {
    for (const call of this.connector.calls) {
      if (call.method === 'POST' && cardsOf(activityOf(call)).length)
        this.lastCardId.set(call.conversationId.split(';')[0]!, String(call.activityId ?? ''));
    }
  }

  /** The user types a message in their 1:1 chat. Returns what the bot sent in reply. */
  async send(user: TestUser, text: string): Promise<ConnectorCall[]> {
    this.connector.take();
    const res = await this.post(this.baseActivity(user, { type: 'message', text }));
    if (res.status !== 200) throw new Error(`message answered ${res.status}`);
    return this.connector.take();
  }

  /** The user installs the app personally (Teams sends conversationUpdate + installationUpdate). */
  async installPersonal(user: TestUser): Promise<ConnectorCall[]> {
    this.connector.take();
    const bot = { id: `28:${this.config.botAppId}`, name: 'Värna' };
    await this.post(this.baseActivity(user, { type: 'installationUpdate', action: 'add' }));
    await this.post(this.baseActivity(user, { type: 'conversationUpdate', membersAdded: [bot] }));
    return this.connector.take();
  }

  async uninstallPersonal(user: TestUser): Promise<void> {
    await this.post(this.baseActivity(user, { type: 'installationUpdate', action: 'remove' }));
  }

  /** The app is added to a team (the intake unit's), by one of its members. */
  async installTeam(teamId: string, by: TestUser): Promise<void> {
    const bot = { id: `28:${this.config.botAppId}`, name: 'Värna' };
    await this.post(
      this.baseActivity(by, {
        type: 'conversationUpdate',
        membersAdded: [bot],
        conversation: { conversationType: 'channel', tenantId: TENANT, id: teamId, isGroup: true },
        channelData: { tenant: { id: TENANT }, team: { id: teamId, name: 'IFO', aadGroupId: TEAM_GROUP_ID }, eventType: 'teamMemberAdded' },
      }),
    );
  }

  /**
   * Press an Action.Execute button as Teams does: an `adaptiveCard/action` invoke. Returns the
   * invoke response: `{ card }` for a card (checked), `{ message }` for a text answer.
   */
  async execute(
    user: TestUser,
    verb: string,
    data: Record<string, unknown> = {},
    opts: { conversation?: Record<string, any>; channelData?: Record<string, any>; replyToId?: string } = {},
  ): Promise<{ status: number; card?: any; message?: string; calls: ConnectorCall[] }> {
    this.connector.take();
    const conversation = opts.conversation ?? {
      conversationType: 'personal',
      tenantId: user.tenantId ?? TENANT,
      id: this.personalConversation(user),
    };
    const replyToId = opts.replyToId ?? this.lastCardId.get(String(conversation.id).split(';')[0]!) ?? 'unknown-card';
    const res = await this.post(
      this.baseActivity(user, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        conversation,
        replyToId,
        value: { action: { type: 'Action.Execute', verb, data: { ...data, verb } }, trigger: 'manual' },
        ...(opts.channelData ? { channelData: { tenant: { id: user.tenantId ?? TENANT }, ...opts.channelData } } : {}),
      }),
    );
    const calls = this.connector.take();
    const body = res.body;
    if (body?.type === 'application/vnd.microsoft.card.adaptive') return { status: res.status, card: checkCard(body.value), calls };
    if (body?.type === 'application/vnd.microsoft.activity.message') return { status: res.status, message: String(body.value), calls };
    return { status: res.status, calls };
  }

  /** Press an Action.Submit button: a message activity whose `value` is the card's data and inputs. */
  async submit(user: TestUser, value: Record<string, unknown>): Promise<ConnectorCall[]> {
    this.connector.take();
    await this.post(this.baseActivity(user, { type: 'message', value }));
    return this.connector.take();
  }

  /** Open a dialog (task module) as Teams does. */
  async taskFetch(
    user: TestUser,
    data: Record<string, unknown>,
    opts: { conversation?: Record<string, any>; channelData?: Record<string, any> } = {},
  ): Promise<PostResult> {
    return this.post(
      this.baseActivity(user, {
        type: 'invoke',
        name: 'task/fetch',
        value: { data, context: { theme: 'default' } },
        ...(opts.conversation ? { conversation: opts.conversation } : {}),
        ...(opts.channelData ? { channelData: { tenant: { id: TENANT }, ...opts.channelData } } : {}),
      }),
    );
  }

  async taskSubmit(
    user: TestUser,
    data: Record<string, unknown>,
    opts: { conversation?: Record<string, any>; channelData?: Record<string, any> } = {},
  ): Promise<PostResult> {
    return this.post(
      this.baseActivity(user, {
        type: 'invoke',
        name: 'task/submit',
        value: { data, context: { theme: 'default' } },
        ...(opts.conversation ? { conversation: opts.conversation } : {}),
        ...(opts.channelData ? { channelData: { tenant: { id: TENANT }, ...opts.channelData } } : {}),
      }),
    );
  }

  /** Deliver everything due in the outbox now (the clock decides what is due). */
  async deliver(): Promise<number> {
    const n = await this.services.outbox.drain();
    this.noteCards();
    return n;
  }
}

/** On PostgreSQL, a data folder stands for a schema: a second bot on the same folder shares it. */
const pgStores = new Map<string, TestStore>();
async function storeFor(dataDir: string): Promise<TestStore> {
  if (testStoreKind === 'sqlite') return createTestStore(dataDir);
  let store = pgStores.get(dataDir);
  if (!store) pgStores.set(dataDir, (store = await createTestStore()));
  return store;
}

export async function startBot(opts: StartBotOptions = {}): Promise<TestBot> {
  const connector = opts.connector ?? (await new ConnectorStandIn().start());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'varna-test-'));
  const bot = new TestBot(connector, opts.clock ?? new ManualClock(), dataDir, opts);
  return bot.start();
}
