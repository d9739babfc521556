import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Personal data must never reach a log line. Callers log ids and events only; as a last line of
 * defence, every string value is scrubbed of anything shaped like a personnummer, phone number or
 * e-mail address, and fields that could carry user text are removed by name.
 */
const REDACT_PATHS = [
  'text', '*.text', 'value', '*.value', 'name', '*.name', 'body', '*.body', 'from.name', 'recipient.name',
  'activity.text', 'activity.value', 'data', '*.data', 'card', '*.card', 'attachments', '*.attachments',
];

// Lookarounds keep GUIDs (Entra ids, all-digit segments included) intact.
const PNR = /(?<![\w-])(?:\d{2})?\d{6}[-+ ]?\d{4}(?![\w-])/g;
const PHONE = /(?<![\w-])(?:\+46|0)[\d\- ]{6,14}\d(?![\w-])/g;
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/g;

export function scrub(value: string): string {
  return value.replace(PNR, '[pnr]').replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
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
      formatters: { log: (object) => scrubDeep(object) as Record<string, unknown>, bindings: (bindings) => scrubDeep(bindings) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // The message itself is scrubbed too; callers should not put user text there at all.
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>;
          return method.apply(this, scrubbed);
        },
      },
      serializers: {
        // Errors: class and code only. A message may quote user input (a parser's, a driver's).
        err: (error: unknown) => {
          if (!(error instanceof Error)) {
            const o = (error ?? {}) as { name?: unknown; code?: unknown; statusCode?: unknown };
            return { type: typeof error, name: typeof o.name === 'string' ? o.name : undefined, code: o.code, statusCode: o.statusCode };
          }
          const e = error as Error & { code?: unknown; statusCode?: unknown };
          return { type: e.name, code: e.code, statusCode: e.statusCode, message: scrub(e.message).slice(0, 200) };
        },
      },
    },
    destination,
  );
}
