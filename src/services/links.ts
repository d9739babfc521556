import { timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock';
import type { Cipher } from './crypto';

const TTL_MS = 10 * 60_000;

/**
 * Short-lived signed links for intake's exports. Created only after the membership check that
 * opened the full report; a link names its user, expires in ten minutes, and every download is
 * audited. The signature is a keyed hash, so a link cannot be forged or altered.
 */
export function makeLinks({ cipher, clock }: { cipher: Cipher; clock: Clock }) {
  const sign = (reference: string, format: string, user: string, exp: number) =>
    cipher.keyedHash('export-link', `${reference}|${format}|${user}|${exp}`);
  // During an index key rotation a link signed a moment earlier under the previous key still holds.
  const signatures = (reference: string, format: string, user: string, exp: number) =>
    cipher.keyedHashes('export-link', `${reference}|${format}|${user}|${exp}`);
  return {
    query(reference: string, format: 'json' | 'pdf' | 'csv' | 'xlsx', user: string): string {
      const exp = clock.now().getTime() + TTL_MS;
      return new URLSearchParams({ u: user, e: String(exp), s: sign(reference, format, user, exp) }).toString();
    },
    verify(
      reference: string,
      format: string,
      q: { u?: string; e?: string; s?: string },
    ): { ok: true; user: string } | { ok: false; why: 'invalid' | 'expired' } {
      if (!q.u || !q.e || !q.s) return { ok: false, why: 'invalid' };
      const given = Buffer.from(q.s);
      const matches = (signature: string) => {
        const expected = Buffer.from(signature);
        return expected.length === given.length && timingSafeEqual(expected, given);
      };
      if (!signatures(reference, format, q.u, Number(q.e)).some(matches)) return { ok: false, why: 'invalid' };
      if (Number(q.e) < clock.now().getTime()) return { ok: false, why: 'expired' };
      return { ok: true, user: q.u };
    },
  };
}
export type Links = ReturnType<typeof makeLinks>;
