import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod/v4';
import { Municipality, referenceProblems } from './services/municipality';

/** Fixed bot id for local mode: proactive sends need some id, and no real app has this one. */
export const LOCAL_BOT_APP_ID = '00000000-0000-0000-0000-00000000b07a';

const base64Key = z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64 (openssl rand -base64 32)');

/** A key id: stored with every record it protects, so it names one key for good. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** VARNA_OLD_AUDIT_KEYS: `id:base64,id:base64`, each key 32 bytes; undefined when malformed. */
export function parseOldAuditKeys(value: string): Array<[string, Buffer]> | undefined {
  const keys: Array<[string, Buffer]> = [];
  for (const pair of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = pair.indexOf(':');
    const id = pair.slice(0, colon);
    const key = Buffer.from(pair.slice(colon + 1), 'base64');
    if (colon < 1 || !KEY_ID.test(id) || !/^[A-Za-z0-9+/]+={0,2}$/.test(pair.slice(colon + 1)) || key.length !== 32) return undefined;
    keys.push([id, key]);
  }
  return keys;
}

/**
 * Retired (or not yet current) keys: `id:base64,id:base64`. Each entry must be a valid id and 32
 * bytes; the problem names the entry by position and id, never the key.
 */
export function keyListProblems(value: string | undefined, currentId: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .forEach((entry, i) => {
      if (!entry) return;
      const colon = entry.indexOf(':');
      const id = colon > 0 ? entry.slice(0, colon) : '';
      const key = colon > 0 ? entry.slice(colon + 1) : '';
      if (!KEY_ID.test(id))
        return void problems.push(`entry ${i + 1} must be id:key (id of letters, digits, - or _; key 32 bytes, base64)`);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== 32)
        problems.push(`entry ${i + 1} (id ${id}): the key must be 32 bytes, base64`);
      if (id === currentId) problems.push(`entry ${i + 1}: id ${id} is the current key's id; a key id names one key`);
      if (seen.has(id)) problems.push(`entry ${i + 1}: id ${id} is given twice`);
      seen.add(id);
    });
  return problems;
}

/** The entries of a key list already checked by keyListProblems. */
export function parseKeyList(value: string | undefined): Array<[string, Buffer]> {
  return (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry) => [entry.slice(0, entry.indexOf(':')), Buffer.from(entry.slice(entry.indexOf(':') + 1), 'base64')]);
}

export const Env = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3978),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    BOT_APP_ID: z.string().uuid().optional().describe('Entra app (client) id of the bot'),
    BOT_APP_PASSWORD: z.string().min(1).optional().describe('client secret; leave empty with managed identity'),
    BOT_APP_TYPE: z.enum(['SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
    BOT_TENANT_ID: z.string().uuid().optional().describe("the municipality's Entra tenant"),
    BOT_OPENID_METADATA: z.url().optional().describe('override of the token issuer metadata (tests only)'),
    VARNA_ALLOWED_TENANTS: z.string().optional().describe('extra tenant ids, comma separated'),
    VARNA_STORE_URL: z.string().default('sqlite:data/varna.db').describe('sqlite:<file> or postgres://…'),
    VARNA_DATA_KEY: base64Key.optional().describe('master key that wraps the per-record data keys'),
    VARNA_DATA_KEY_ID: z.string().regex(KEY_ID).default('k1'),
    VARNA_OLD_DATA_KEYS: z
      .string()
      .optional()
      .describe('other data keys still needed to read (retired, or about to become current): id:base64,id:base64'),
    VARNA_INDEX_KEY: base64Key.optional().describe('key for keyed hashes (repeat reports, consultations)'),
    VARNA_INDEX_KEY_ID: z.string().regex(KEY_ID).default('i1').describe('id of VARNA_INDEX_KEY (stored with every keyed hash)'),
    VARNA_OLD_INDEX_KEYS: z
      .string()
      .optional()
      .describe('other index keys still needed to look up (during a rotation): id:base64,id:base64'),
    VARNA_CONFIG: z.string().default('config/example.yaml').describe('path of the municipality config'),
    VARNA_AUDIT_KEY: base64Key.optional().describe("HMAC key of the audit log's chains (never in the database)"),
    VARNA_AUDIT_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/)
      .default('a1'),
    VARNA_OLD_AUDIT_KEYS: z
      .string()
      .refine((v) => !!parseOldAuditKeys(v), 'must be id:base64,id:base64, each key 32 bytes')
      .optional()
      .describe('retired audit keys, needed to verify the entries they signed'),
    VARNA_AUDIT_CHECKPOINT_FILE: z
      .string()
      .optional()
      .describe('file each audit checkpoint is appended to (outside the database: a share or an append-only store)'),
    VARNA_AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(1).max(1440).default(5).describe('minutes between audit checkpoints'),
    VARNA_OUTBOX_PAUSED: z
      .enum(['0', '1'], 'must be 1 (paused) or 0')
      .default('0')
      .transform((v) => v === '1')
      .describe('1: the outbox delivers nothing (after a restore, until old messages are reviewed; docs/deployment.md)'),
    VARNA_DELIVERY_DEADLINE_MINUTES: z.coerce.number().int().positive().default(15),
    VARNA_ACK_ALERT_WORKING_HOURS: z.coerce
      .number()
      .positive()
      .max(40)
      .default(2)
      .describe('a report not acknowledged within this many working hours gets an alert in its thread'),
    VARNA_PUBLIC_URL: z.url().optional().describe('public https base URL of the bot (export links); default http://localhost:PORT'),
    VARNA_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024),
    VARNA_RATE_BURST: z.coerce.number().int().positive().default(30).describe('requests a user may make in a burst'),
    VARNA_RATE_PER_MINUTE: z.coerce.number().int().positive().default(60).describe('requests a user may make per minute, sustained'),
    VARNA_QUEUE_FAILOVER_SECONDS: z.coerce
      .number()
      .int()
      .min(3)
      .max(3600)
      .default(60)
      .describe('several instances: how long before another instance takes over the work of one that died'),
    VARNA_GRAPH_URL: z
      .url()
      .default('https://graph.microsoft.com/v1.0')
      .describe(
        'Microsoft Graph base URL: settles interrupted channel posts (permission ChannelMessage.Read.Group, resource-specific consent)',
      ),
    VARNA_QUEUE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default('pgboss')
      .describe('PostgreSQL schema of the job queue (pg-boss)'),
  })
  .superRefine((e, ctx) => {
    const anyCredential = e.BOT_APP_ID || e.BOT_APP_PASSWORD;
    if (anyCredential && !e.BOT_APP_ID)
      ctx.addIssue({ code: 'custom', path: ['BOT_APP_ID'], message: 'required when BOT_APP_PASSWORD is set' });
    if (e.BOT_APP_ID && e.BOT_APP_TYPE === 'SingleTenant' && !e.BOT_APP_PASSWORD)
      ctx.addIssue({
        code: 'custom',
        path: ['BOT_APP_PASSWORD'],
        message: 'required for a SingleTenant bot (or use BOT_APP_TYPE=UserAssignedMSI)',
      });
    if (e.BOT_APP_ID && !e.BOT_TENANT_ID)
      ctx.addIssue({ code: 'custom', path: ['BOT_TENANT_ID'], message: 'required: Värna is registered single-tenant' });
    if (e.NODE_ENV === 'production') {
      if (!e.BOT_APP_ID)
        ctx.addIssue({
          code: 'custom',
          path: ['BOT_APP_ID'],
          message: 'required in production: without it the bot accepts unauthenticated activities',
        });
      if (!e.VARNA_DATA_KEY) ctx.addIssue({ code: 'custom', path: ['VARNA_DATA_KEY'], message: 'required in production' });
      if (e.BOT_OPENID_METADATA)
        ctx.addIssue({
          code: 'custom',
          path: ['BOT_OPENID_METADATA'],
          message: 'not allowed in production: it decides whose tokens the bot trusts',
        });
      if (!e.VARNA_GRAPH_URL.startsWith('https://'))
        ctx.addIssue({
          code: 'custom',
          path: ['VARNA_GRAPH_URL'],
          message: 'must be https in production: the bot sends its Graph token there',
        });
      if (!e.VARNA_INDEX_KEY) ctx.addIssue({ code: 'custom', path: ['VARNA_INDEX_KEY'], message: 'required in production' });
      // The export links intake gets point here; without it they would point at http://localhost.
      if (!e.VARNA_PUBLIC_URL)
        ctx.addIssue({
          code: 'custom',
          path: ['VARNA_PUBLIC_URL'],
          message: 'required in production: the public https address of Värna (export links point there)',
        });
      else if (!e.VARNA_PUBLIC_URL.startsWith('https://'))
        ctx.addIssue({
          code: 'custom',
          path: ['VARNA_PUBLIC_URL'],
          message: 'must be https in production: an export link carries its signature in the address',
        });
    }
    for (const problem of keyListProblems(e.VARNA_OLD_DATA_KEYS, e.VARNA_DATA_KEY_ID))
      ctx.addIssue({ code: 'custom', path: ['VARNA_OLD_DATA_KEYS'], message: problem });
    for (const problem of keyListProblems(e.VARNA_OLD_INDEX_KEYS, e.VARNA_INDEX_KEY_ID))
      ctx.addIssue({ code: 'custom', path: ['VARNA_OLD_INDEX_KEYS'], message: problem });
    if (e.NODE_ENV === 'production' && !e.VARNA_AUDIT_KEY)
      ctx.addIssue({ code: 'custom', path: ['VARNA_AUDIT_KEY'], message: 'required in production: it signs the audit log' });
    if (e.VARNA_AUDIT_KEY && (e.VARNA_AUDIT_KEY === e.VARNA_DATA_KEY || e.VARNA_AUDIT_KEY === e.VARNA_INDEX_KEY))
      ctx.addIssue({ code: 'custom', path: ['VARNA_AUDIT_KEY'], message: 'must be a key of its own, not the data or index key' });
    if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(e.VARNA_STORE_URL))
      ctx.addIssue({ code: 'custom', path: ['VARNA_STORE_URL'], message: 'must start with sqlite: or postgres://' });
  });
export type Env = z.infer<typeof Env>;

export interface Config {
  env: Env;
  /** No credentials: unauthenticated activities accepted (Agents Playground, tests). */
  localMode: boolean;
  botAppId: string;
  allowedTenants: string[];
  municipality: Municipality;
  configPath: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const pathOf = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');

function problemsOf(error: z.ZodError, prefix: string): string[] {
  return error.issues.flatMap((issue) =>
    // An unknown key (a typo such as "draftdays") is named where it is, one line each.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map(
          (key) => `${prefix}${pathOf([...issue.path, key])}: unknown key (a typo? the keys allowed here are in config/schema.json)`,
        )
      : [`${prefix}${pathOf(issue.path) || '(root)'}: ${issue.message}`],
  );
}

/** Reads a municipality file (JSON or YAML) and validates it; every problem names its field. */
export function loadMunicipality(path: string): Municipality {
  let raw: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${path}: cannot be read: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = Municipality.safeParse(raw);
  if (!parsed.success) {
    // zod skips the cross-reference check when the shape is wrong; run it on the raw file as well.
    const shape = problemsOf(parsed.error, `${path}: `);
    const refs = problemsOf(
      new z.ZodError(referenceProblems(raw).map((p) => ({ code: 'custom' as const, input: undefined, ...p }))),
      `${path}: `,
    );
    throw new ConfigError([...new Set([...shape, ...refs])]);
  }
  return parsed.data;
}

/** Parses the environment once; fails fast with one line per bad field. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error, 'environment '));
  const env = parsed.data;
  const configPath = resolve(env.VARNA_CONFIG);
  const municipality = loadMunicipality(configPath);
  const allowedTenants = [env.BOT_TENANT_ID, ...(env.VARNA_ALLOWED_TENANTS ?? '').split(',')]
    .map((t) => t?.trim().toLowerCase())
    .filter((t): t is string => !!t);
  return {
    env,
    localMode: !env.BOT_APP_ID,
    botAppId: env.BOT_APP_ID ?? LOCAL_BOT_APP_ID,
    allowedTenants,
    municipality,
    configPath,
  };
}
