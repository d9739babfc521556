import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the bot made to the Bot Connector service. */
export interface ConnectorCall {
  method: string;
  path: string;
  conversationId: string;
  activityId?: string;
  body: any;
  at: number;
  /** The Authorization header the bot sent (its outbound token), if any. */
  authorization?: string;
}

/** A message as Microsoft Graph lists it (chatMessage), kept for the Graph endpoints below. */
export interface GraphMessage {
  id: string;
  channelId: string;
  /** Root message id for a reply in a thread. */
  replyToId?: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  attachments: Array<{ id: string; contentType: string; content: string }>;
}

/** status 0: never answer (a hung connection), until `releaseHung()`. */
type Failure = { status: number; retryAfterSeconds?: number; arrive?: boolean };

/**
 * A local stand-in for the Bot Connector service (Teams' side of the Bot Framework): records every
 * activity the bot sends, creates channel threads, answers membership queries, and can fail on
 * demand (429 with Retry-After, 500…) the way the real service does.
 */
export class ConnectorStandIn {
  readonly calls: ConnectorCall[] = [];
  /** teamId -> member aadObjectIds (membership checked over the Teams API). */
  readonly rosters = new Map<string, Set<string>>();
  /** teamId -> its channels, as GET /v3/teams/{teamId}/conversations lists them (General has no name). */
  readonly channels = new Map<string, Array<{ id: string; name?: string }>>();
  /** teamId -> its Microsoft 365 group id, as GET /v3/teams/{teamId} (team details) gives it. */
  readonly groupIds = new Map<string, string>();
  /** Decides per request whether to fail it; return undefined to answer normally. */
  failWith: ((call: ConnectorCall) => Failure | undefined) | undefined;
  /**
   * Microsoft Graph's view of the channels (under /graph/v1.0): every thread the bot started and
   * every reply it posted, with its card as Graph returns it (attachments[].content as a string),
   * updated by the bot's PUTs. Set `graphStatus` to answer every Graph call with that status.
   */
  readonly graphMessages: GraphMessage[] = [];
  readonly graphCalls: Array<{ path: string; authorization?: string }> = [];
  graphStatus: number | undefined;
  /** Messages per Graph page (small by default, so tests go through `@odata.nextLink`). */
  graphPageSize = 2;
  private server: Server | undefined;
  private seq = 0;
  private seen = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // The real Connector keeps an idle connection for minutes. With Node's 5 s a connection could
    // close while a busy test held the event loop, and the bot's next send on it failed with
    // ECONNRESET: a send in doubt that no real Teams would have caused.
    this.server.keepAliveTimeout = 10 * 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  /** Responses held open by a `status: 0` failure. */
  private readonly hung: ServerResponse[] = [];

  /** Ends every hung connection (as a dropped connection). */
  releaseHung(): void {
    for (const res of this.hung.splice(0)) res.destroy();
  }

  async stop(): Promise<void> {
    this.releaseHung();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  failNext(count: number, failure: Failure, match: (c: ConnectorCall) => boolean = () => true): void {
    let left = count;
    this.failWith = (c) => (left > 0 && match(c) ? (left--, failure) : undefined);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? JSON.parse(raw) : undefined;
    const path = decodeURIComponent((req.url ?? '').split('?')[0]!);
    if (path.startsWith('/graph/')) return this.graph(req, res, path);
    const m = /^\/v3\/conversations(?:\/([^/]+))?(?:\/(activities|members|pagedmembers))?(?:\/([^/]+))?/.exec(path);
    const call: ConnectorCall = {
      method: req.method ?? '',
      path,
      conversationId: m?.[1] ?? '',
      activityId: m?.[3],
      body,
      at: Date.now(),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    const failure = this.failWith?.(call);
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      // `arrive`: Teams takes the message, but its answer never reaches the bot (as when the bot
      // dies, or the connection drops, between the two).
      if (failure?.arrive) return void res.destroy();
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    if (failure?.status === 0 && !failure.arrive) {
      this.hung.push(res);
      return;
    }
    const team = /^\/v3\/teams\/([^/]+)(\/conversations)?$/.exec(path);
    if (failure && !failure.arrive) {
      send(
        failure.status,
        { error: { code: 'Throttled', message: 'stand-in failure' } },
        failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
      );
      return;
    }
    if (req.method === 'GET' && team) {
      const channels = this.channels.get(team[1]!);
      if (!channels) return send(404, { error: { code: 'NotFound', message: 'team not found or bot not installed' } });
      return send(
        200,
        team[2] ? { conversations: channels } : { id: team[1], name: 'Team', aadGroupId: this.groupIds.get(team[1]!) ?? team[1] },
      );
    }
    if (req.method === 'GET' && m?.[2] === 'members' && m[3] && m[1]!.startsWith('a:')) {
      // A 1:1 chat: the user's own profile (no phone: Teams does not give one).
      const aad = m[3].replace(/^29:/, '');
      return send(200, {
        id: m[3],
        aadObjectId: aad,
        email: `${aad.slice(0, 8)}@skola.exempel.se`,
        userPrincipalName: `${aad.slice(0, 8)}@skola.exempel.se`,
      });
    }
    if (req.method === 'GET' && m?.[2] === 'members' && m[3]) {
      const member = this.member(m[1]!, m[3]);
      if (!member) return send(404, { error: { code: 'MemberNotFoundInConversation', message: 'not a member' } });
      return send(200, member);
    }
    if (req.method === 'GET' && (m?.[2] === 'pagedmembers' || m?.[2] === 'members')) {
      const members = [...(this.rosters.get(m[1]!) ?? [])].map((aad) => this.member(m[1]!, aad)!);
      return send(200, m[2] === 'pagedmembers' ? { members } : members);
    }
    this.calls.push(call);
    if (req.method === 'POST' && !m?.[1]) {
      // Create conversation: a new thread in a channel, or a 1:1 chat.
      const channelId = body?.channelData?.channel?.id;
      const activityId = `thread-${++this.seq}`;
      const id = channelId ? `${channelId};messageid=${activityId}` : `a:created-${this.seq}`;
      if (channelId) this.graphPost(activityId, channelId, undefined, body?.activity);
      return send(201, { id, activityId });
    }
    if (req.method === 'POST') {
      const id = `act-${++this.seq}`;
      const [channelId, root] = call.conversationId.split(';messageid=');
      if (channelId && root) this.graphPost(id, channelId, root, body);
      return send(200, { id });
    }
    if (req.method === 'PUT') {
      const found = this.graphMessages.find((g) => g.id === call.activityId);
      if (found) {
        found.attachments = this.graphAttachments(body);
        found.lastModifiedDateTime = new Date().toISOString();
      }
      return send(200, { id: call.activityId });
    }
    if (req.method === 'DELETE') return send(200, {});
    send(404);
  }

  private graphAttachments(activity: any): GraphMessage['attachments'] {
    return (activity?.attachments ?? []).map((a: any, i: number) => ({
      id: String(i),
      contentType: a.contentType,
      content: JSON.stringify(a.content),
    }));
  }

  private graphPost(id: string, channelId: string, replyToId: string | undefined, activity: any): void {
    const at = new Date().toISOString();
    this.graphMessages.push({
      id,
      channelId,
      ...(replyToId ? { replyToId } : {}),
      createdDateTime: at,
      lastModifiedDateTime: at,
      attachments: this.graphAttachments(activity),
    });
  }

  /**
   * The Graph calls Värna makes to settle an interrupted send, answered from what was posted:
   * GET /teams/{group}/channels/{channel}/messages/delta?$filter=lastModifiedDateTime gt {t}
   * (root messages, `graphPageSize` per page) and
   * GET /teams/{group}/channels/{channel}/messages/{root}/replies.
   */
  private graph(req: IncomingMessage, res: ServerResponse, path: string): void {
    this.graphCalls.push({ path: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (this.graphStatus) return send(this.graphStatus, { error: { code: 'Forbidden', message: 'stand-in failure' } });
    const query = new URL(req.url ?? '', 'http://x').searchParams;
    const page = (list: GraphMessage[], base: string) => {
      const skip = Number(query.get('$skiptoken') ?? 0);
      const size = this.graphPageSize;
      const next =
        skip + size < list.length
          ? `${this.url.replace(/\/$/, '')}${base}?${new URLSearchParams({ ...Object.fromEntries(query), $skiptoken: String(skip + size) })}`
          : undefined;
      return send(200, {
        value: list.slice(skip, skip + size),
        ...(next ? { '@odata.nextLink': next } : { '@odata.deltaLink': `${base}?$deltatoken=x` }),
      });
    };
    const delta = /^\/graph\/v1\.0\/teams\/([^/]+)\/channels\/([^/]+)\/messages\/delta$/.exec(path);
    if (req.method === 'GET' && delta) {
      const after = /lastModifiedDateTime gt (\S+)/.exec(query.get('$filter') ?? '')?.[1];
      const list = this.graphMessages.filter((g) => g.channelId === delta[2] && !g.replyToId && (!after || g.lastModifiedDateTime > after));
      return page(list, path);
    }
    const replies = /^\/graph\/v1\.0\/teams\/([^/]+)\/channels\/([^/]+)\/messages\/([^/]+)\/replies$/.exec(path);
    if (req.method === 'GET' && replies)
      return page(
        this.graphMessages.filter((g) => g.channelId === replies[2] && g.replyToId === replies[3]),
        path,
      );
    send(404, { error: { code: 'NotFound', message: 'no such Graph resource in the stand-in' } });
  }

  private member(teamId: string, who: string) {
    const roster = this.rosters.get(teamId);
    const key = who.toLowerCase();
    const found = [...(roster ?? [])].find((aad) => aad === key || `29:${aad}` === key);
    return found
      ? { id: `29:${found}`, aadObjectId: found, name: `Member ${found.slice(0, 4)}`, userPrincipalName: `${found.slice(0, 8)}@exempel.se` }
      : undefined;
  }

  /** Activities posted (new messages and thread starts) into a conversation id or prefix. */
  posted(conversationPrefix: string): ConnectorCall[] {
    return this.calls.filter(
      (c) =>
        c.method === 'POST' && (c.conversationId.startsWith(conversationPrefix) || c.body?.channelData?.channel?.id === conversationPrefix),
    );
  }

  updates(conversationPrefix?: string): ConnectorCall[] {
    return this.calls.filter((c) => c.method === 'PUT' && (!conversationPrefix || c.conversationId.startsWith(conversationPrefix)));
  }

  /** Calls since the last `take`, so a test can assert exactly what one step sent. */
  take(): ConnectorCall[] {
    const fresh = this.calls.slice(this.seen);
    this.seen = this.calls.length;
    return fresh;
  }

  assertNothingElseSent(): void {
    const fresh = this.take();
    if (fresh.length) throw new Error(`unexpected connector calls: ${fresh.map((c) => `${c.method} ${c.path}`).join(', ')}`);
  }
}

/** The activity inside a connector call (thread starts wrap it in `activity`). */
export function activityOf(call: ConnectorCall): any {
  return call.body?.activity ?? call.body;
}
