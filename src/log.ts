import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Personal data must never reach a log line. Callers log ids and events only; as a last line of
 * defence, every string value is scrubbed of anything shaped like a personnummer, phone number or
 * e-mail address, and fields that could carry user text are removed by name.
 */
const REDACT_PATHS = [
  'text',
  '*.text',
  'value',
  '*.value',
  'name',
  '*.name',
  'body',
  '*.body',
  'from.name',
  'recipient.name',
  'activity.text',
  'activity.value',
  'data',
  '*.data',
  'card',
  '*.card',
  'attachments',
  '*.attachments',
];

// Lookarounds keep GUIDs (Entra ids, all-digit segments included) intact.
const PNR = /(?<![\w-])(?:\d{2})?\d{6}[-+ ]?\d{4}(?![\w-])/g;
const PHONE = /(?<![\w-])(?:\+46|0)[\d\- ]{6,14}\d(?![\w-])/g;
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/g;
/**
 * Teams ids, which an operator needs and which name no one: thread ids of teams, channels, group
 * and 1:1 chats (`19:…@thread.tacv2`, `…@unq.gbl.spaces`), user, bot and org ids (`29:…`,
 * `28:…`, `8:orgid:…`). A thread id has the shape of an e-mail address and was logged as
 * `19:[email]`. A user or bot id must have a letter and end where the id ends, so that
 * `29:anna@skola.se` or `28:201212121212` is no id and is scrubbed.
 */
const TEAMS_ID = /\b(?:19:[\w.-]+@(?:thread\.(?:tacv2|skype|v2)|unq\.gbl\.spaces)|(?:2[89]|8:orgid):(?=[\w-]*[a-z])[\w-]+)(?![\w@.+-])/gi;

const scrubText = (value: string): string => value.replace(PNR, '[pnr]').replace(EMAIL, '[email]').replace(PHONE, '[phone]');

/** Personal data out, ids kept: the text between Teams ids is scrubbed, the ids themselves are not. */
export function scrub(value: string): string {
  let out = '';
  let from = 0;
  for (const id of value.matchAll(TEAMS_ID)) {
    out += scrubText(value.slice(from, id.index)) + id[0];
    from = id.index + id[0].length;
  }
  return from === 0 ? scrubText(value) : out + scrubText(value.slice(from));
}

/** Stack frames are shown relative to the working directory. */
const CWD = `${process.cwd()}/`;

/**
 * What a log line keeps of an error: its class, code and HTTP status, and where it was thrown (the
 * stack's frames: function names and file positions). Not its message, which may quote user input
 * (a JSON parser's, a database driver's, an HTTP response's), and not its other fields (a driver's
 * `detail` holds the values of the row). A system error's message (`connect ECONNREFUSED …`) says
 * what failed and carries no user data: it is kept, scrubbed.
 */
export function errorFields(error: Error): Record<string, unknown> {
  const e = error as Error & { code?: unknown; statusCode?: unknown; syscall?: unknown };
  const type = e.constructor && e.constructor.name !== 'Error' ? e.constructor.name : e.name;
  const at = (e.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 5)
    .map((line) => line.trim().slice(3).replace(CWD, ''));
  return {
    type,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
    ...(typeof e.syscall === 'string' ? { syscall: e.syscall, message: scrub(e.message).slice(0, 200) } : {}),
    ...(at.length ? { at } : {}),
  };
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  // An error anywhere in a log object: its safe fields only (Object.entries would see none of its
  // own, which are not enumerable, and all of a driver's, which are).
  if (value instanceof Error) return errorFields(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'varna' },
      redact: { paths: REDACT_PATHS, remove: true },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Child loggers' bindings are not log objects: scrub them too.
      formatters: {
        log: (object) => scrubDeep(object) as Record<string, unknown>,
        bindings: (bindings) => scrubDeep(bindings) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // The message itself is scrubbed too; callers should not put user text there at all.
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>;
          return method.apply(this, scrubbed);
        },
      },
      serializers: {
        // `err` fields are errors already reduced by `errorFields` (the log formatter runs first);
        // anything else there is shown by type and code.
        err: (error: unknown) => {
          if (error instanceof Error) return errorFields(error);
          if (error === null || typeof error !== 'object') return { type: typeof error };
          const o = error as { type?: unknown; code?: unknown; statusCode?: unknown };
          return typeof o.type === 'string' ? error : { type: 'object', code: o.code, statusCode: o.statusCode };
        },
      },
    },
    destination,
  );
}
