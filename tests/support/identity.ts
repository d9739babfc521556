import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import { MicrosoftAppCredentials, type AppCredentials } from 'botframework-connector';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type JWTPayload, type KeyLike } from 'jose';
import { TENANT } from './users';

/** The bot's Entra app id in authenticated tests. */
export const APP_ID = 'd1d1d1d1-2222-4333-8444-555566667777';
export const APP_PASSWORD = 'test-secret-not-real';
/** The issuer of real Bot Framework channel tokens (Teams); the bot checks it as in production. */
export const CHANNEL_ISSUER = 'https://api.botframework.com';
/** The audience of the bot's own tokens for the Bot Connector. */
export const CONNECTOR_SCOPE = 'https://api.botframework.com';

interface KeyPair {
  publicKey: KeyLike;
  privateKey: KeyLike;
}

/**
 * A local stand-in for the Bot Framework's token issuer: an OpenID metadata document and a JWKS on
 * 127.0.0.1 (BOT_OPENID_METADATA points the bot here), tokens signed with its RSA key the way the
 * channel signs them. It also stands in for Entra on the way out: the bot's replies carry a token
 * from `credentialsFactory`, signed with a second key that the Connector stand-in can verify.
 */
export class TestIdentity {
  private server: Server | undefined;
  private channelKey!: KeyPair;
  private entraKey!: KeyPair;
  /** A key nobody trusts: signs forged tokens under the trusted key id. */
  private forgerKey!: KeyPair;
  readonly kid = 'varna-test-key-1';
  url = '';
  /** How many times the bot fetched the metadata and the keys. */
  fetches = 0;

  /**
   * The channels the signing key is endorsed for (botbuilder refuses an activity whose channelId
   * the key does not endorse). Microsoft's own keys endorse Web Chat, Direct Line and others too.
   */
  constructor(readonly endorsements: string[] = ['msteams']) {}

  get metadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }

  async start(): Promise<this> {
    this.channelKey = await generateKeyPair('RS256', { extractable: true });
    this.entraKey = await generateKeyPair('RS256', { extractable: true });
    this.forgerKey = await generateKeyPair('RS256', { extractable: true });
    const jwk = {
      ...(await exportJWK(this.channelKey.publicKey)),
      kid: this.kid,
      use: 'sig',
      alg: 'RS256',
      endorsements: this.endorsements,
    };
    this.server = createServer((req, res) => {
      this.fetches++;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.end(
          JSON.stringify({
            issuer: CHANNEL_ISSUER,
            jwks_uri: `${this.url}/v1/.well-known/keys`,
            id_token_signing_alg_values_supported: ['RS256'],
          }),
        );
      } else if (req.url === '/v1/.well-known/keys') {
        res.end(JSON.stringify({ keys: [jwk] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The bot's environment with credentials, trusting this issuer's keys. */
  env(): Record<string, string> {
    return { BOT_APP_ID: APP_ID, BOT_APP_PASSWORD: APP_PASSWORD, BOT_TENANT_ID: TENANT, BOT_OPENID_METADATA: this.metadataUrl };
  }

  /**
   * A channel token as Teams sends it: issuer api.botframework.com, audience the bot's app id,
   * the activity's serviceUrl in the `serviceurl` claim, valid for an hour. Override any claim;
   * `undefined` removes one.
   */
  async channelToken(
    serviceUrl: string,
    claims: Record<string, unknown> = {},
    opts: { key?: 'channel' | 'forger'; kid?: string; alg?: string } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: CHANNEL_ISSUER,
      aud: APP_ID,
      serviceurl: serviceUrl,
      iat: now - 5,
      nbf: now - 5,
      exp: now + 3600,
      ...claims,
    };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    const key = opts.key === 'forger' ? this.forgerKey : this.channelKey;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? this.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  /** The same claims, not signed at all (`alg: none`). */
  unsignedToken(serviceUrl: string): string {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return `${b64({ alg: 'none', kid: this.kid, typ: 'JWT' })}.${b64({ iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: serviceUrl, nbf: now - 5, exp: now + 3600 })}.`;
  }

  /** An outbound token as Entra would issue it to the bot for the Bot Connector. */
  async outboundToken(appId: string, audience: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      aud: audience,
      azp: appId,
      appid: appId,
      tid: TENANT,
      iat: now,
      nbf: now,
      exp: now + 3600,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'entra-test', typ: 'JWT' })
      .sign(this.entraKey.privateKey);
  }

  /** Verifies a token the bot sent to the Connector: Entra-signed, for the Connector, for our app. */
  async verifyOutbound(authorization: string | undefined): Promise<JWTPayload> {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!token) throw new Error('no bearer token on the call');
    const { payload } = await jwtVerify(token, this.entraKey.publicKey, {
      audience: CONNECTOR_SCOPE,
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    });
    if (payload.azp !== APP_ID) throw new Error(`token for another app: ${String(payload.azp)}`);
    return payload;
  }

  /**
   * botbuilder's own credentials factory from the bot's settings (so `isValidAppId` and
   * `isAuthenticationDisabled`, which the inbound checks use, are production code), except that
   * the outbound token comes from this stand-in instead of login.microsoftonline.com.
   */
  credentialsFactory(): ConfigurationServiceClientCredentialFactory {
    const identity = this;
    class LocallySigned extends MicrosoftAppCredentials {
      override async getToken(): Promise<string> {
        return identity.outboundToken(this.appId, this.oAuthScope);
      }
    }
    class Factory extends ConfigurationServiceClientCredentialFactory {
      override async createCredentials(appId: string, audience: string): Promise<AppCredentials> {
        if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
        return new LocallySigned(appId, '', TENANT, audience);
      }
    }
    return new Factory({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: APP_PASSWORD,
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
    });
  }
}
