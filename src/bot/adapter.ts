import { TeamsAdapter } from '@microsoft/teams-ai';
import { CallerIdConstants, ConfigurationServiceClientCredentialFactory, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import type { Config } from '../config';

/**
 * The Bot Framework adapter. With credentials, every activity must carry a valid token for our app
 * id (single tenant). Without credentials (local mode) tokens are not checked, which is what the
 * Agents Playground and the tests send; production refuses to start that way (see config).
 */
export class VarnaAdapter extends TeamsAdapter {
  /** processActivity without botbuilder's HTTP handling, so the server decides the status codes. */
  handle(authHeader: string, activity: Activity, logic: (ctx: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
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
