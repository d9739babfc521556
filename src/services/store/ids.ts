import { randomBytes } from 'node:crypto';

let idSeq = 0;
/**
 * Sortable, unique ids for rows: time, then a per-process sequence (ids made at the same instant
 * sort in the order they were made, on both stores), then randomness. Same length as before.
 * A module of its own, so that whatever makes rows can import it without the store around it.
 */
export function newId(at: Date = new Date()): string {
  idSeq = (idSeq + 1) % 36 ** 4;
  return `${at.getTime().toString(36).padStart(9, '0')}${idSeq.toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
}
