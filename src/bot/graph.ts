import type { Config } from '../config';
import type { Logger } from '../log';
import type { FindResult } from '../services/outbox';
import type { CredentialsFactory } from './adapter';

/** One Graph chatMessage, as much of it as the look-up reads. */
interface ChatMessage {
  id?: string;
  attachments?: Array<{ content?: unknown }>;
}
interface Page {
  value?: ChatMessage[];
  '@odata.nextLink'?: string;
}

const TIMEOUT_MS = 10_000;
const MAX_PAGES = 20;
/** Clocks differ a little between us and Microsoft: look a bit before the attempt. */
const SKEW_MS = 2 * 60_000;

/**
 * Reads the bot's own channel posts back over Microsoft Graph, to settle a send the outbox is not
 * sure of. Application permission ChannelMessage.Read.Group, granted per team by resource-specific
 * consent (appPackage manifest); the token is the bot's own app registration's (client
 * credentials, single tenant), asked for Graph's `.default` scope. Messages are found by the
 * outbox marker in their card; nothing else of them is kept or logged.
 */
export function makeGraphLookup(config: Config, credentials: CredentialsFactory | undefined, log: Logger) {
  const base = config.env.VARNA_GRAPH_URL.replace(/\/+$/, '');
  const audience = new URL(base).origin;

  async function token(): Promise<string | undefined> {
    // Local mode (tests, the Playground): no credentials, no token.
    if (config.localMode || !credentials) return undefined;
    const loginEndpoint = `https://login.microsoftonline.com/${config.env.BOT_TENANT_ID}`;
    const creds = await credentials.createCredentials(config.botAppId, audience, loginEndpoint, true);
    return (creds as unknown as { getToken(): Promise<string> }).getToken();
  }

  async function get(url: string): Promise<{ status: number; page?: Page }> {
    const bearer = await token();
    const res = await fetch(url, {
      headers: { accept: 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return { status: res.status };
    }
    return { status: res.status, page: (await res.json()) as Page };
  }

  /** Walks the pages of a listing until a message carries the marker. */
  async function search(first: string, marker: string, found: (m: ChatMessage) => FindResult): Promise<FindResult> {
    let url: string | undefined = first;
    for (let n = 0; url && n < MAX_PAGES; n++) {
      const { status, page } = await get(url);
      if (!page) {
        const reason = status === 401 || status === 403 ? 'graph-forbidden' : status === 404 ? 'graph-not-found' : 'graph-unavailable';
        log.warn({ event: 'graph.lookup-failed', status, reason }, 'Graph look-up for an interrupted send failed');
        return { status: 'unknown', reason };
      }
      for (const m of page.value ?? []) {
        const cards = JSON.stringify(m.attachments ?? []);
        if (m.id && cards.includes(marker)) return found(m);
      }
      url = page['@odata.nextLink'];
    }
    return url ? { status: 'unknown', reason: 'graph-too-many' } : { status: 'absent' };
  }

  return {
    /** A new thread in a channel: its root message, among those changed since `since`. */
    channelPost(groupId: string, channelId: string, marker: string, since: Date): Promise<FindResult> {
      const after = new Date(since.getTime() - SKEW_MS).toISOString();
      const url = `${base}/teams/${encodeURIComponent(groupId)}/channels/${encodeURIComponent(channelId)}/messages/delta?$filter=${encodeURIComponent(`lastModifiedDateTime gt ${after}`)}`;
      return search(url, marker, (m) => ({
        status: 'found',
        result: { activityId: m.id!, conversationId: `${channelId};messageid=${m.id!}` },
      }));
    },
    /** A reply in a thread (conversation id `<channel>;messageid=<root>`). */
    threadReply(groupId: string, conversationId: string, marker: string): Promise<FindResult> {
      const [channelId, root] = conversationId.split(';messageid=');
      if (!channelId || !root) return Promise.resolve({ status: 'unknown', reason: 'not-a-thread' });
      const url = `${base}/teams/${encodeURIComponent(groupId)}/channels/${encodeURIComponent(channelId)}/messages/${encodeURIComponent(root)}/replies?$top=50`;
      return search(url, marker, (m) => ({ status: 'found', result: { activityId: m.id!, conversationId } }));
    },
  };
}
export type GraphLookup = ReturnType<typeof makeGraphLookup>;
