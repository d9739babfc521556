import { TeamsAdapter } from '@microsoft/teams-ai';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
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

export function createAdapter(config: Config): VarnaAdapter {
  const { env } = config;
  if (config.localMode) return new VarnaAdapter({});
  return new VarnaAdapter({
    MicrosoftAppId: env.BOT_APP_ID,
    MicrosoftAppPassword: env.BOT_APP_PASSWORD,
    MicrosoftAppType: env.BOT_APP_TYPE,
    MicrosoftAppTenantId: env.BOT_TENANT_ID,
    ...(env.BOT_OPENID_METADATA ? { ToBotFromChannelOpenIdMetadataUrl: env.BOT_OPENID_METADATA } : {}),
  });
}
