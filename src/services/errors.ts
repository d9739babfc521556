/** One class per meaning; the bot maps each to Swedish words and a log line without personal data. */
export class DomainError extends Error {
  override name = 'DomainError';
}
export class ValidationError extends DomainError {
  override name = 'ValidationError';
  /** field -> problem code (the card shows the localized text next to the field). */
  constructor(readonly fields: Record<string, string>) {
    super(`invalid: ${Object.keys(fields).join(', ')}`);
  }
}
export class NotAllowedError extends DomainError {
  override name = 'NotAllowedError';
  constructor(readonly action: string) {
    super(`not allowed: ${action}`);
  }
}
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  constructor(
    readonly what: string,
    readonly key: string,
  ) {
    super(`not found: ${what}`);
  }
}
export class ConflictError extends DomainError {
  override name = 'ConflictError';
  constructor(
    readonly reason: string,
    readonly detail: Record<string, string> = {},
  ) {
    super(`conflict: ${reason}`);
  }
}
export class UnavailableError extends DomainError {
  override name = 'UnavailableError';
}
/**
 * Not ready yet, nothing lost: the statistics' suppression pattern is still being worked out after
 * a start (years of figures take longer than Teams waits for an answer). Try again shortly.
 */
export class NotReadyError extends DomainError {
  override name = 'NotReadyError';
  constructor(readonly what: 'statistics') {
    super(`not ready: ${what}`);
  }
}
