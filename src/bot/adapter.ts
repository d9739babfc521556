import { TeamsAdapter } from '@microsoft/teams-ai';
import {
  CallerIdConstants,
  ConfigurationServiceClientCredentialFactory,
  type Activity,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { Config } from '../config';

/**
 * The Bot Framework adapter. With credentials, every activity must carry a valid token for our app
 * id (single tenant). Without credentials (local mode) tokens are not checked, which is what the
 * Agents Playground and the tests send; production refuses to start that way (see config).
 */
export class VarnaAdapter extends TeamsAdapter {
  constructor(...args: ConstructorParameters<typeof TeamsAdapter>) {
    super(...args);
    reuseTurnConnectors(this as unknown as { botFrameworkAuthentication: Authenticator });
  }

  /** processActivity without botbuilder's HTTP handling, so the server decides the status codes. */
  handle(authHeader: string, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

interface ConnectorFactoryLike {
  create(serviceUrl: string, audience?: string): Promise<unknown>;
}
interface Authenticator {
  authenticateRequest(...args: unknown[]): Promise<{ connectorFactory?: ConnectorFactoryLike }>;
  createUserTokenClient(claims: { getClaimValue(type: string): string | null }): Promise<unknown>;
}

/** How many clients of each kind a process keeps (one per app id, service URL and audience). */
const TURN_CLIENTS = 64;

/** A bounded cache of clients being made; a creation that fails (credentials unavailable) is not kept. */
function clientCache() {
  const clients = new Map<string, Promise<unknown>>();
  return (key: string, create: () => Promise<unknown>): Promise<unknown> => {
    let client = clients.get(key);
    if (!client) {
      if (clients.size >= TURN_CLIENTS) clients.delete(clients.keys().next().value!);
      client = create();
      client.catch(() => clients.delete(key));
      clients.set(key, client);
    }
    return client;
  };
}

/**
 * botbuilder builds a new Connector client for every incoming activity (a full HTTP pipeline of
 * a dozen policies, a quarter of the CPU of a small turn). Its inputs are the same on every turn
 * (our app id, Teams' service URL for the region, the audience), and the client keeps no state of
 * a turn: it is reused for replies. The same goes for the user token client botbuilder also
 * builds on every turn (for sign-in flows, which Värna does not use). Tokens stay the
 * credentials' own business (cached and renewed by them); every request's token is still checked.
 * Proactive sends (continueConversationAsync) keep fresh clients of their own: the outbox's sender
 * strips the SDK's retry policy from those, which replies keep.
 */
function reuseTurnConnectors(adapter: { botFrameworkAuthentication: Authenticator }): void {
  const auth = adapter.botFrameworkAuthentication;
  const connectors = clientCache();
  const authenticate = auth.authenticateRequest.bind(auth);
  auth.authenticateRequest = async (...args: unknown[]) => {
    const result = await authenticate(...args);
    const inner = result.connectorFactory;
    if (!inner) return result;
    const appId = (inner as { appId?: string }).appId ?? '';
    const connectorFactory: ConnectorFactoryLike = {
      create: (serviceUrl: string, audience?: string) =>
        connectors(`${appId}\n${serviceUrl}\n${audience ?? ''}`, () => inner.create(serviceUrl, audience)),
    };
    return { ...result, connectorFactory };
  };
  const tokenClients = clientCache();
  const createUserTokenClient = auth.createUserTokenClient.bind(auth);
  // Keyed by the app id botbuilder builds the client for: the audience claim, else the appid claim.
  auth.createUserTokenClient = (claims) =>
    tokenClients(claims.getClaimValue('aud') ?? claims.getClaimValue('appid') ?? '', () => createUserTokenClient(claims));
}

/** The credentials factory's type, as botbuilder's own factory implements it. */
export type CredentialsFactory = ConstructorParameters<typeof TeamsAdapter>[1];

export interface AdapterOptions {
  /**
   * Makes the credentials for the bot's own calls to the Bot Connector (outbound tokens from Entra).
   * Production leaves it out: botbuilder's factory built from the same settings. Tests pass a
   * factory that signs outbound tokens locally (there is no Entra to ask); the inbound checks stay
   * botbuilder's own either way.
   */
  credentialsFactory?: CredentialsFactory;
}

/**
 * The public Azure cloud's Bot Framework settings, spelled out. botbuilder uses these same values
 * when none is given, but as soon as one is given (the OpenID metadata URL, in tests) it takes ALL
 * of them from the configuration, and a missing issuer then refuses every token and a missing
 * login URL or scope breaks every reply. Only the metadata URL may differ from these.
 */
const PUBLIC_CLOUD = {
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: CallerIdConstants.PublicAzureChannel,
  ValidateAuthority: true,
};

export function createAdapter(config: Config, opts: AdapterOptions = {}): VarnaAdapter {
  const { env } = config;
  if (config.localMode) return new VarnaAdapter({});
  const settings = {
    ...PUBLIC_CLOUD,
    ...(env.BOT_OPENID_METADATA ? { ToBotFromChannelOpenIdMetadataUrl: env.BOT_OPENID_METADATA } : {}),
    MicrosoftAppId: env.BOT_APP_ID,
    MicrosoftAppPassword: env.BOT_APP_PASSWORD,
    MicrosoftAppType: env.BOT_APP_TYPE,
    MicrosoftAppTenantId: env.BOT_TENANT_ID,
  };
  return new VarnaAdapter(settings, opts.credentialsFactory ?? new ConfigurationServiceClientCredentialFactory(settings));
}
