import type { Clock } from '../../src/services/clock';

/** A clock the test moves. Never sleep in a test: move the clock. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: string | Date = '2026-03-02T09:00:00+01:00') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: string | Date): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
  advanceMinutes(n: number): void {
    this.advance(n * 60_000);
  }
}
export const fixedClock = (at?: string) => new ManualClock(at);
