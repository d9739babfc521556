/**
 * One suppression pattern for every figure anyone can ask for (issue 7).
 *
 * The base cells are month × school × category (from the roll-up). Every figure a query returns is
 * the sum of base cells over a box: a run of whole months (a month, a term, a year or a custom
 * range; at most `maxMonths`, statistics.ts `MAX_PERIOD_MONTHS`) × a set of schools (one school, a
 * district, a school type, the municipality, a principal's own schools, or those of them in a
 * district or of a type) × one category or all. The pattern is
 * worked out once over ALL such boxes and every query is served from it, so two queries (two
 * groupings, overlapping periods, a principal's view and the committee's) cannot be played off
 * against each other.
 *
 * How: a box whose count is 1-4 is sensitive. Each sensitive box gets a protecting "cycle" d: a
 * signed pattern over base cells that is a product, in each dimension, of a pair (+1 on one month,
 * school or category inside the box, -1 on one outside it) or of a single point. A figure is
 * published only when the sum of every cycle over its box is 0. Then every published figure, and so
 * everything an attacker can compute from them by adding and subtracting, is orthogonal to every
 * cycle, while the sensitive box is not: no combination of published figures gives it. (The tests
 * check this separately by exact Gaussian elimination over every figure every query returns.)
 * Figures whose box a cycle does not cancel in are not shown, and neither are counts under 5: both
 * print "..", one mark, since two ("<5" at most 4, ".." at least 5) bounded a small figure by
 * themselves on overlapping periods or groupings (issue 24). The cycles over a box can together
 * move it to 1 and to 4 within their own cells (a count never below 0), so that an attacker who
 * reads every figure and every bound by linear programming still finds the box anywhere in 1-4
 * (τ-ARGUS's protection levels; tests/services/statistics-attack.test.ts audits it). The row rules below (`rowPins`, a partner that
 * leaves a part open) read a small part as 0-4 (stricter than one mark needs) and a hidden part of
 * 5 or more as what ".." says, 0 or more: reading it as 5 or more hid the reports total wherever one
 * role group had the rest (6 by teachers and 1 by the principal hid "Anmälningar 7", issue 24 §2),
 * and the room rule (`moves`) is what keeps the box open to an attacker's linear program.
 *
 * The counts of a family with a sum rule (decisions = opened + not opened + already ongoing;
 * consultations = their four outcomes) share one pattern, so the rule gives nothing away either.
 * A count that is part of another in every cell (reports by a principal of reports) is a family
 * [whole, part, whole − part]: the complement (`complementKey`) is never printed, but it is a count
 * about children too (reports by other staff; 19 reports and 16 decisions printed gave 3 reports
 * without a decision, issue 24), so its boxes of 1-4 are sensitive and get cycles like the others.
 * A count may sit in several families (reports in each of its parts'); it is shown only where none
 * of them hides it.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const MIN_CELL = 5;

/** The never-printed count whole − part of a subset pair, as a key of a family: [whole, part, complementKey(whole, part)]. */
export const complementKey = (whole: string, part: string): string => `${whole}\\${part}`;

/** A row's count of a key: a complement is worked out from its whole and part. */
function countOf(counts: Record<string, number>, key: string): number {
  const cut = key.indexOf('\\');
  if (cut < 0) return counts[key] ?? 0;
  return (counts[key.slice(0, cut)] ?? 0) - (counts[key.slice(cut + 1)] ?? 0);
}

export interface Leaf {
  school: string;
  district: string;
  type: string;
}

export interface RowSet {
  key: string;
  members: Uint8Array;
  size: number;
  /** The members' indexes, ascending. */
  list: number[];
}

const membershipKey = (m: Uint8Array) => Buffer.from(m).toString('base64');

/**
 * Every set of schools a query can group by: each school, district, school type, the whole
 * municipality, and each principal's own schools with their districts and types.
 */
export function rowSetsOf(leaves: Leaf[], scopes: string[][]): Map<string, RowSet> {
  const out = new Map<string, RowSet>();
  const add = (test: (l: Leaf) => boolean) => {
    const members = Uint8Array.from(leaves.map((l) => (test(l) ? 1 : 0)));
    const list = [...members.keys()].filter((l) => members[l]);
    if (!list.length) return;
    const key = membershipKey(members);
    if (!out.has(key)) out.set(key, { key, members, size: list.length, list });
  };
  const schools = [...new Set(leaves.map((l) => l.school))];
  const districts = [...new Set(leaves.map((l) => l.district))];
  const types = [...new Set(leaves.map((l) => l.type))];
  add(() => true);
  for (const s of schools) add((l) => l.school === s);
  for (const d of districts) add((l) => l.district === d);
  for (const t of types) add((l) => l.type === t);
  for (const scope of scopes) {
    add((l) => scope.includes(l.school));
    for (const d of districts) add((l) => scope.includes(l.school) && l.district === d);
    for (const t of types) add((l) => scope.includes(l.school) && l.type === t);
  }
  return out;
}

/** A protecting cycle: per dimension a pair (x inside, y outside, y >= 0) or a point (y = -1). */
interface Cycle {
  /** Key: a component of the family (index into the components) and a second one, or -1. */
  kx: number;
  ky: number;
  rx: number;
  ry: number;
  cx: number;
  cy: number;
  mx: number;
  my: number;
}

interface Box {
  r: RowSet;
  /** Category index, or -1 for all categories. */
  c: number;
  a: number;
  b: number;
}

const termOf = (month: string) => `${month.slice(0, 4)}-${Number(month.slice(5, 7)) <= 6 ? 'VT' : 'HT'}`;

/**
 * The cells' cases as the cycles over a box moved them (`reach`): a cell not set (NaN) has its own
 * count. One typed array, and clearing it resets only the cells set, not a new map per box.
 */
class Residual {
  private readonly values: Float64Array;
  private readonly touched: number[] = [];
  constructor(size: number) {
    this.values = new Float64Array(size).fill(NaN);
  }
  /** Forgets every move. */
  clear(): void {
    for (const id of this.touched) this.values[id] = NaN;
    this.touched.length = 0;
  }
  get(id: number): number | undefined {
    const v = this.values[id]!;
    return v === v ? v : undefined;
  }
  set(id: number, v: number): void {
    if (this.values[id] !== this.values[id]) this.touched.push(id);
    this.values[id] = v;
  }
}

/** Lists of cycle indexes in one column: list b is items[starts[b]] .. items[starts[b + 1] - 1]. */
interface Packed {
  starts: Int32Array;
  items: Int32Array;
}

/** Packs buckets of (cycle index, other school and month) pairs: the indexes. */
function pack(lists: number[][], n: number): Packed {
  const starts = new Int32Array(n + 1);
  for (let b = 0; b < n; b++) starts[b + 1] = starts[b]! + (lists[b]?.length ?? 0) / 2;
  const items = new Int32Array(starts[n]!);
  for (let b = 0; b < n; b++) {
    const list = lists[b];
    if (list) for (let i = 0, at = starts[b]!; i < list.length; i += 2) items[at++] = list[i]!;
  }
  return { starts, items };
}

/** The pattern of one family of counts over the cube. */
class FamilyPattern {
  readonly cycles: Cycle[] = [];
  constructor(
    private readonly cube: Cube,
    /** Per key of the family: prefix sums over months, per leaf and category: [leaf][cat][month + 1]. */
    private readonly prefix: Float64Array[],
    private readonly cats: number[],
    /** How many keys: the first is the sum of the others when there are several. */
    private readonly keys: number,
    /**
     * A subset family [whole, part, whole − part]: the complement is never printed, and a part or
     * whole not shown prints "..", which says nothing of it (0 or more; the part is at most the
     * whole anyway). The row rules read it so, not as 5 or more, so that a small complement hides
     * the part (its partner) and leaves the whole (reports) shown; the audit checks the bounds.
     */
    private readonly subset = false,
  ) {}

  /** The count of key `k` (index in the family) over a box. */
  value(k: number, box: Box): number {
    const { L, M } = this.cube.dims;
    // A school set of the query system: its own prefix sums (summed over its schools once).
    if (box.r.key) return this.sumOver(this.setPrefix(k, box.r), 0, box.c, box.a, box.b);
    let sum = 0;
    for (let l = 0; l < L; l++)
      if (box.r.members[l]) sum += this.sumOver(this.prefix[k]!, l * this.cube.dims.C * (M + 1), box.c, box.a, box.b);
    return sum;
  }

  /** Months a..b of category c (or all the family's categories when c < 0) in prefix sums laid out [cat][month + 1] from `base`. */
  private sumOver(p: Float64Array, base: number, c: number, a: number, b: number): number {
    const M1 = this.cube.dims.M + 1;
    if (c >= 0) return p[base + c * M1 + b + 1]! - p[base + c * M1 + a]!;
    let sum = 0;
    for (const cc of this.cats) sum += p[base + cc * M1 + b + 1]! - p[base + cc * M1 + a]!;
    return sum;
  }

  /** The family's total (every key, as `familyTotal`) over one school: months a..b, category c or all. */
  private leafTotal(l: number, c: number, a: number, b: number): number {
    const base = l * this.cube.dims.C * (this.cube.dims.M + 1);
    let sum = 0;
    for (const p of this.prefix) sum += this.sumOver(p, base, c, a, b);
    return sum;
  }

  /** `leafTotal` of every school for a category (or all) and months a..b; many boxes share them. */
  private leafTotals(c: number, a: number, b: number): Float64Array {
    const M = this.cube.dims.M;
    const key = ((c + 1) * M + a) * M + b;
    let out = this.leafTotalsOf.get(key);
    if (!out) {
      out = new Float64Array(this.cube.dims.L);
      for (let l = 0; l < out.length; l++) out[l] = this.leafTotal(l, c, a, b);
      this.leafTotalsOf.set(key, out);
    }
    return out;
  }
  private readonly leafTotalsOf = new Map<number, Float64Array>();

  /** The schools outside each set (for `protect`). */
  private readonly outsideOf = new Map<RowSet, number[]>();

  /** Lets go of what only working the cycles out needed (the pattern is kept until the next change). */
  settle(): void {
    const { L, C, M } = this.cube.dims;
    const S = (C + 1) * this.keySlots;
    this.packedLeafMonth = pack(this.byLeafMonth, L * M * S);
    this.packedPoints = pack(this.pointsByMonth, M * S);
    this.byLeafMonth = [];
    this.pointsByMonth = [];
    this.residualUp = this.residualDown = undefined;
    this.leafTotalsOf.clear();
    this.outsideOf.clear();
    this.nearestOf.clear();
  }

  /**
   * A month's harm as a point of a cycle: the family's cases in its month, its term and its year
   * over every school and category (the figures the point hides). The same for every box, so
   * worked out once.
   */
  private monthHarm(familyTotal: (b: Box) => number): Float64Array {
    if (this.harmOfMonth) return this.harmOfMonth;
    const { M } = this.cube.dims;
    const months = this.cube.months;
    const span = (x: number, same: (m: string) => boolean) => {
      let a = x;
      let b = x;
      while (a > 0 && same(months[a - 1]!)) a--;
      while (b < M - 1 && same(months[b + 1]!)) b++;
      return familyTotal({ r: this.cube.allRows, c: -1, a, b });
    };
    const out = new Float64Array(M);
    for (let x = 0; x < M; x++)
      out[x] =
        span(x, (mm) => mm === months[x]) +
        span(x, (mm) => termOf(mm) === termOf(months[x]!)) +
        span(x, (mm) => mm.slice(0, 4) === months[x]!.slice(0, 4));
    return (this.harmOfMonth = out);
  }
  private harmOfMonth: Float64Array | undefined;

  private readonly setPrefixes = new Map<RowSet, Float64Array[]>();
  /** Key k's prefix sums over the schools of a set, [cat][month + 1] (worked out once per set). */
  setPrefix(k: number, r: RowSet): Float64Array {
    let perKey = this.setPrefixes.get(r);
    if (!perKey) this.setPrefixes.set(r, (perKey = []));
    let out = perKey[k];
    if (out) return out;
    const { L, C, M } = this.cube.dims;
    const p = this.prefix[k]!;
    const n = C * (M + 1);
    out = new Float64Array(n);
    for (let l = 0; l < L; l++) {
      if (!r.members[l]) continue;
      const base = l * n;
      for (let i = 0; i < n; i++) out[i] = out[i]! + p[base + i]!;
    }
    perKey[k] = out;
    return out;
  }

  /** The key's factor of a cycle: a component's own weight, or (the sum key) the sum of the weights. */
  private keyFactor(k: number, z: Cycle): number {
    if (this.keys === 1) return 1;
    if (k === 0) return 1 - (z.ky >= 0 ? 1 : 0);
    const j = k - 1;
    return (j === z.kx ? 1 : 0) - (j === z.ky ? 1 : 0);
  }

  /** Key k's count in one base cell: school l, category c, month x. */
  private base(k: number, l: number, c: number, x: number): number {
    const { C, M } = this.cube.dims;
    const at = (l * C + c) * (M + 1) + x;
    const p = this.prefix[k]!;
    return p[at + 1]! - p[at]!;
  }

  /** The sign of a cycle over a box for key k (0: it cancels there). */
  private signOver(k: number, box: Box, z: Cycle): number {
    const m = box.r.members;
    const fr = m[z.rx]! - (z.ry >= 0 ? m[z.ry]! : 0);
    if (!fr) return 0;
    const fk = this.keyFactor(k, z);
    if (!fk) return 0;
    const fc = (box.c < 0 || box.c === z.cx ? 1 : 0) - (z.cy >= 0 && (box.c < 0 || box.c === z.cy) ? 1 : 0);
    if (!fc) return 0;
    const fm = (z.mx >= box.a && z.mx <= box.b ? 1 : 0) - (z.my >= 0 && z.my >= box.a && z.my <= box.b ? 1 : 0);
    return fr * fk * fc * fm;
  }

  /**
   * Can the cycles that do not cancel over the box move its count (n, 1-4) up to 4 and down to 1,
   * together (`reach`)? (A box a cycle for another box protects may rest on cells of 0 that cannot
   * move: then it gets a cycle of its own.)
   */
  moves(k: number, box: Box, n: number): boolean {
    const up = MIN_CELL - 1 - n;
    const down = n - 1;
    return (up <= 0 || this.reach(k, box, 1, up).got >= up) && (down <= 0 || this.reach(k, box, -1, down).got >= down);
  }

  /**
   * How far the cycles that do not cancel over a box can take its count together, up (dir 1) or
   * down (dir -1), at most `need`: one after another, each as far as the cells it lowers still have
   * cases (a count never below 0), after what the ones before it did. Every point on the way is a
   * solution of everything printed, so an attacker's linear program reaches it too (it may reach
   * further: this is the sure part). `protect` tries a new cycle after them (`along`, not applied).
   */
  reach(k: number, box: Box, dir: 1 | -1, need: number): { got: number; residual: Residual } {
    // One buffer per direction: `protect` holds the two of a box at once, and nothing else does.
    const residual = dir === 1 ? (this.residualUp ??= this.newResidual()) : (this.residualDown ??= this.newResidual());
    residual.clear();
    let got = 0;
    const { C, M } = this.cube.dims;
    const bits = this.monthBits;
    const mask = (1 << bits) - 1;
    const m = box.r.members;
    const S = (C + 1) * this.keySlots;
    const slot = (box.c >= 0 ? box.c : C) * this.keySlots + this.keySlot(k);
    const every = box.r.size === this.cube.dims.L;
    // The buckets may list a cycle more than once: going further along it is allowed too.
    const list = every ? undefined : box.r.list;
    for (let li = 0, ln = list ? list.length : 1; li < ln; li++) {
      const l = list ? list[li]! : 0;
      for (let month = box.a; month <= box.b; month++) {
        const bucket = every ? this.pointsByMonth[month * S + slot] : this.byLeafMonth[(l * M + month) * S + slot];
        if (!bucket) continue;
        for (let i = 0; i < bucket.length; i += 2) {
          // Its other school in the box, or its other month in the range: it cancels (`add`).
          const other = bucket[i + 1]!;
          const otherLeaf = (other >> bits) - 1;
          const otherMonth = (other & mask) - 1;
          if ((otherLeaf >= 0 && m[otherLeaf]) || (otherMonth >= box.a && otherMonth <= box.b)) continue;
          got += this.along(this.cycles[bucket[i]!]!, k, box, dir, need - got, residual);
          if (got >= need) return { got, residual };
        }
      }
    }
    return { got, residual };
  }
  private residualUp: Residual | undefined;
  private residualDown: Residual | undefined;
  private newResidual(): Residual {
    const { L, C, M } = this.cube.dims;
    return new Residual(this.keys * L * C * M);
  }

  /**
   * How far cycle z can take the box's count in direction dir (at most `most`), given the cells'
   * cases as `residual` left them (a cell not in it has its own count); records the move there.
   */
  along(z: Cycle, k: number, box: Box, dir: 1 | -1, most: number, residual: Residual): number {
    if (most <= 0) return 0;
    const s = this.signOver(k, box, z);
    if (!s) return 0;
    const { L, C, M } = this.cube.dims;
    const M1 = M + 1;
    const LCM = L * C * M;
    const nl = z.ry >= 0 ? 2 : 1;
    const nc = z.cy >= 0 ? 2 : 1;
    const nm = z.my >= 0 ? 2 : 1;
    const one = this.keys === 1;
    const nk = one ? 1 : z.ky >= 0 ? 2 : 1;
    const sd = s * dir;
    const { ids, values, changes } = this.cells;
    let n = 0;
    // Moving the box by dir·t moves along z by s·dir·t: a cell of sign σ changes by σ·s·dir·t.
    let cap = most;
    for (let i = 0; i < nl; i++) {
      const l = i ? z.ry : z.rx;
      for (let j = 0; j < nc; j++) {
        const c = j ? z.cy : z.cx;
        for (let h = 0; h < nm; h++) {
          const x = h ? z.my : z.mx;
          const at = (l * C + c) * M1 + x;
          const cell = (l * C + c) * M + x;
          for (let e = 0; e < nk; e++) {
            const key = one ? 0 : (e ? z.ky : z.kx) + 1;
            const id = key * LCM + cell;
            let v = residual.get(id);
            if (v === undefined) {
              const p = this.prefix[key]!;
              v = p[at + 1]! - p[at]!;
            }
            const change = (i + j + h + e) & 1 ? -sd : sd;
            if (change < 0 && v < cap) cap = v;
            ids[n] = id;
            values[n] = v;
            changes[n++] = change;
          }
        }
      }
    }
    if (cap <= 0) return 0;
    for (let q = 0; q < n; q++) residual.set(ids[q]!, values[q]! + changes[q]! * cap);
    return cap;
  }
  /** `along`'s scratch: the cells of a cycle (at most 2 × 2 × 2 × 2). */
  private readonly cells = { ids: new Int32Array(16), values: new Float64Array(16), changes: new Int8Array(16) };

  /** Can cycle z take the box's count `most` further in direction dir (`along` ≥ `most`, without working out how far)? */
  goes(z: Cycle, k: number, box: Box, dir: 1 | -1, most: number, residual: Residual): boolean {
    if (most <= 0) return true;
    const s = this.signOver(k, box, z);
    if (!s) return false;
    const { L, C, M } = this.cube.dims;
    const M1 = M + 1;
    const nl = z.ry >= 0 ? 2 : 1;
    const nc = z.cy >= 0 ? 2 : 1;
    const nm = z.my >= 0 ? 2 : 1;
    const one = this.keys === 1;
    const nk = one ? 1 : z.ky >= 0 ? 2 : 1;
    const sd = s * dir;
    // Every cell the move lowers (σ·s·dir < 0) needs `most` cases.
    for (let i = 0; i < nl; i++) {
      const l = i ? z.ry : z.rx;
      for (let j = 0; j < nc; j++) {
        const c = j ? z.cy : z.cx;
        for (let h = 0; h < nm; h++) {
          const x = h ? z.my : z.mx;
          for (let e = 0; e < nk; e++) {
            if (((i + j + h + e) & 1 ? -1 : 1) * sd > 0) continue;
            const key = one ? 0 : (e ? z.ky : z.kx) + 1;
            let v = residual.get(key * L * C * M + (l * C + c) * M + x);
            if (v === undefined) {
              const p = this.prefix[key]!;
              const at = (l * C + c) * M1 + x;
              v = p[at + 1]! - p[at]!;
            }
            if (v < most) return false;
          }
        }
      }
    }
    return true;
  }

  /** Does some cycle not cancel over this box for key k (so it is protected, and not published)? */
  hit(k: number, box: Box): boolean {
    const m = box.r.members;
    const { C, M } = this.cube.dims;
    const S = (C + 1) * this.keySlots;
    const slot = (box.c >= 0 ? box.c : C) * this.keySlots + this.keySlot(k);
    // Only a cycle with exactly one of its schools in the box, and exactly one of its months in the
    // range, can fail to cancel: look those up by school and month (a box of every school meets
    // only the cycles with a single school: looked up by month alone), and category (`add`).
    const every = box.r.size === this.cube.dims.L;
    const packed = every ? this.packedPoints : this.packedLeafMonth;
    const cycles = this.cycles;
    for (const l of every ? [0] : box.r.list) {
      for (let month = box.a; month <= box.b; month++) {
        const at = every ? month * S + slot : (l * M + month) * S + slot;
        // While the cycles are worked out, a list per bucket; afterwards packed (`settle`).
        let items: ArrayLike<number> | undefined;
        let from = 0;
        let to: number;
        if (packed) {
          items = packed.items;
          from = packed.starts[at]!;
          to = packed.starts[at + 1]!;
        } else {
          items = every ? this.pointsByMonth[at] : this.byLeafMonth[at];
          if (!items) continue;
          to = items.length;
        }
        for (let i = from; i < to; i += packed ? 1 : 2) {
          const z = cycles[items[i]!]!;
          const fr = m[z.rx]! - (z.ry >= 0 ? m[z.ry]! : 0);
          if (!fr || !this.keyFactor(k, z)) continue;
          const fc = (box.c < 0 || box.c === z.cx ? 1 : 0) - (z.cy >= 0 && (box.c < 0 || box.c === z.cy) ? 1 : 0);
          if (!fc) continue;
          const fm = (z.mx >= box.a && z.mx <= box.b ? 1 : 0) - (z.my >= 0 && z.my >= box.a && z.my <= box.b ? 1 : 0);
          if (fm) return true;
        }
      }
    }
    return false;
  }

  /**
   * Does the box's row, as it would be printed now (the total, and each part: a number, a small
   * part as 0-4, a hidden one as 0 or more), narrow part k (a component) beyond 1-4? Hiding more only widens it.
   */
  rowPins(k: number, box: Box): boolean {
    if (this.keys === 1 || k === 0) return false;
    const bounds = (key: number): [number, number] => {
      const n = this.value(key, box);
      if (this.subset) return key === 2 || n < MIN_CELL || this.hit(key, box) ? [0, Infinity] : [n, n];
      return n < MIN_CELL ? [0, MIN_CELL - 1] : this.hit(key, box) ? [0, Infinity] : [n, n];
    };
    let [lo, hi] = bounds(0);
    for (let j = 1; j < this.keys; j++) {
      if (j === k) continue;
      const [min, max] = bounds(j);
      lo -= max;
      hi -= min;
    }
    return lo > 1 || hi < MIN_CELL - 1;
  }

  /** Takes a kept cycle back (`SuppressionPattern.restore`): the same bookkeeping as working it out. */
  restoreCycle(z: Cycle): void {
    this.add(z);
  }

  /**
   * The cycles by each of their schools, months, categories and keys: [(leaf * M + month) * S +
   * slot], S = (C + 1) × `keySlots`. Only a cycle with category c (or, over a box of every
   * category, with a single category) and with key k (or, for the sum key, with a single key) can
   * fail to cancel over a box of category c and key k: the slot of (c or C, `keySlot(k)`) lists
   * them, in the order they were added (`reach` goes along them in that order), each as its index
   * in `cycles` and its other school and month (`add`).
   */
  private byLeafMonth: number[][] = [];
  /** The cycles with a single school, by each of their months, categories and keys: [month * S + slot]. */
  private pointsByMonth: number[][] = [];
  /** The same once the pattern is worked out (`settle`): every bucket's cycles in one column. */
  private packedLeafMonth: Packed | undefined;
  private packedPoints: Packed | undefined;
  /** Slots per category: one per component of the family, and one for the sum key (a single one when the family has one key). */
  private get keySlots(): number {
    return this.keys === 1 ? 1 : this.keys;
  }
  private keySlot(k: number): number {
    return this.keys === 1 ? 0 : k === 0 ? this.keys - 1 : k - 1;
  }
  /** Bits that hold a month + 1 (`add`). */
  private get monthBits(): number {
    return 32 - Math.clz32(this.cube.dims.M + 1);
  }
  private add(z: Cycle): void {
    const index = this.cycles.length;
    this.cycles.push(z);
    // Beside each index in a bucket, the cycle's other school and month there (each + 1, 0 for
    // none, in `monthBits` bits): `reach` skips a cycle that cancels without reading it.
    const otherOf = (l: number, month: number) =>
      (((l === z.rx ? z.ry : z.rx) + 1) << this.monthBits) | ((month === z.mx ? z.my : z.mx) + 1);
    const { C, M } = this.cube.dims;
    const KS = this.keySlots;
    const S = (C + 1) * KS;
    const months = z.my >= 0 ? [z.mx, z.my] : [z.mx];
    const catSlots = z.cy >= 0 ? [z.cx, z.cy] : [z.cx, C];
    const keySlots = this.keys === 1 ? [0] : z.ky >= 0 ? [z.kx, z.ky] : [z.kx, KS - 1];
    const slots: number[] = [];
    for (const c of catSlots) for (const j of keySlots) slots.push(c * KS + j);
    for (const l of z.ry >= 0 ? [z.rx, z.ry] : [z.rx])
      for (const month of months)
        for (const slot of slots) (this.byLeafMonth[(l * M + month) * S + slot] ??= []).push(index, otherOf(l, month));
    if (z.ry < 0)
      for (const month of months) for (const slot of slots) (this.pointsByMonth[month * S + slot] ??= []).push(index, otherOf(z.rx, month));
  }

  /** A cycle that does not cancel over `box`, chosen to cancel over as many other boxes as it can. */
  protect(k: number, box: Box, familyTotal: (b: Box) => number): void {
    const { L, M } = this.cube.dims;
    const m = box.r.members;
    /** The candidate whose harm is least: a point hides every box holding it, so take a quiet one. */
    const smallest = (candidates: number[], harm: (x: number) => number) => {
      let best = candidates[0]!;
      let bestV = Infinity;
      for (const x of candidates) {
        const v = harm(x);
        if (v < bestV) [best, bestV] = [x, v];
      }
      return best;
    };
    const whole: Box = { r: this.cube.allRows, c: -1, a: 0, b: M - 1 };
    // Schools: a pair (inside, outside) that as many school sets as possible hold both or neither
    // of; a point (the school with the fewest cases) when the box holds every school.
    let rx = -1;
    let ry = -1;
    if (box.r.size < L) {
      // Ties go to the outside school with the fewest cases (hiding it costs least).
      let best = -1;
      let bestV = Infinity;
      const cases = this.leafTotals(box.c, box.a, box.b);
      const { pairScore } = this.cube;
      let outside = this.outsideOf.get(box.r);
      if (!outside) this.outsideOf.set(box.r, (outside = [...m.keys()].filter((y) => !m[y])));
      for (const x of box.r.list) {
        for (const y of outside) {
          const score = pairScore[x * L + y]!;
          if (score > best || (score === best && cases[y]! < bestV)) [best, bestV, rx, ry] = [score, cases[y]!, x, y];
        }
      }
    } else rx = smallest(box.r.list, (l) => this.leafTotal(l, -1, 0, M - 1));
    // Categories: a pair with the smallest other category (likely hidden already); for all
    // categories a point (the category with the fewest cases).
    let cx: number;
    let cy = -1;
    if (box.c >= 0) {
      cx = box.c;
      let best = Infinity;
      for (const c of this.cats) {
        if (c === box.c) continue;
        const v = familyTotal({ ...box, c });
        if (v < best) [best, cy] = [v, c];
      }
    } else cx = smallest(this.cats, (c) => familyTotal({ ...whole, c }));
    // Months: what the committee reads are months, terms and years. A pair with the month just
    // outside the range hides the two months (and their term or year when it crosses one); a point
    // hides its month, term and year. Take the cheaper.
    const months = this.cube.months;
    const cost = (x: number, y: number) =>
      termOf(months[x]!) === termOf(months[y]!) ? 2 : months[x]!.slice(0, 4) === months[y]!.slice(0, 4) ? 8 : 26;
    const inRange = Array.from({ length: box.b - box.a + 1 }, (_, i) => box.a + i);
    // A point's harm: the cases in its month, term and year (the figures it hides).
    const harm = this.monthHarm(familyTotal);
    let mx = smallest(inRange, (x) => harm[x]!);
    let my = -1;
    let bestCost = 13;
    for (const [x, y] of [
      [box.a, box.a - 1],
      [box.b, box.b + 1],
    ] as Array<[number, number]>) {
      if (y < 0 || y >= M) continue;
      if (cost(x, y) < bestCost) [bestCost, mx, my] = [cost(x, y), x, y];
    }
    // Keys: a component pairs with another component of the family in the box, so that the sum
    // cancels and the total can be shown, only where what the row then prints still leaves the
    // component anywhere in 1-4: the attacker reads the total, each part shown, a small part as 0-4
    // and a hidden one as 0 or more (issue 24: 16 = 8 + "<5" + "<5" pinned both to 4). The partner
    // is hidden ("..") when 5 or more; the other parts are as they are. Of the partners that leave the range
    // open, the largest (the most room); with none, the component is a point: the total is hidden
    // too. The sum key itself takes its smallest component.
    let kx = 0;
    let ky = -1;
    /** Other key choices for `roomier`: partners that leave the part open, largest first. */
    const keyOptions: number[] = [];
    if (this.keys > 1) {
      const comps = Array.from({ length: this.keys - 1 }, (_, j) => j);
      const v = (j: number) => this.value(j + 1, box);
      if (k === 0) {
        kx = smallest(comps, v);
        keyOptions.push(...comps.filter((j) => j !== kx).sort((i, j) => v(j) - v(i)));
      } else {
        kx = k - 1;
        const parts = comps.map(v);
        const total = parts.reduce((a, b) => a + b, 0);
        const leavesOpen = (partner: number) => {
          let lo = total;
          let hi = total;
          for (const j of comps) {
            if (j === kx) continue;
            const p = parts[j]!;
            const [min, max] = this.subset
              ? j === 1 || j === partner || p < MIN_CELL
                ? [0, Infinity]
                : [p, p]
              : p < MIN_CELL
                ? [0, MIN_CELL - 1]
                : j === partner
                  ? [0, Infinity]
                  : [p, p];
            lo -= max;
            hi -= min;
          }
          return lo <= 1 && hi >= MIN_CELL - 1;
        };
        let best = -1;
        for (const j of comps) if (j !== kx && parts[j]! > best && leavesOpen(j)) [best, ky] = [parts[j]!, j];
        keyOptions.push(...comps.filter((j) => j !== kx && j !== ky && leavesOpen(j)).sort((i, j) => parts[j]! - parts[i]!));
      }
    }
    const chosen: Cycle = { kx, ky, rx, ry, cx, cy, mx, my };
    // The cycle must be able to move the box's count up to 4 and down to 1 (τ-ARGUS's protection
    // levels): its cells of -1 need room for the way up, its cells of +1 (the box's own among them)
    // for the way down, and a cell of 0 cannot go lower (issue 24: Solstrålen's 3 in May paired with
    // a category and a month of 0 was pinned at 3). Where the chosen one cannot, the cheapest
    // other choice that can: another outside school, the other month, another category or key,
    // and a point (which hides more) last.
    const n = this.value(k, box);
    const up = MIN_CELL - 1 - n;
    const down = n - 1;
    // What the cycles already over the box can do together; the new one adds the rest.
    const ways = n >= 1 && n < MIN_CELL ? { up: this.reach(k, box, 1, up), down: this.reach(k, box, -1, down) } : undefined;
    const enough = (z: Cycle) =>
      !ways ||
      ((up <= 0 || this.goes(z, k, box, 1, up - ways.up.got, ways.up.residual)) &&
        (down <= 0 || this.goes(z, k, box, -1, down - ways.down.got, ways.down.residual)));
    // A box of every school too, but there without a point in months that no pair in categories or
    // parts cancels (it would hide the municipality's totals over every period holding that month:
    // the seeded tables lost their year's total): another school with cases, a month pair, or a
    // month point with a category or part pair, another category or part (issue 24, seed 1:
    // the municipality's repeat reports in May-June, 4, paired at the school with the fewest cases,
    // which had none of them). Where none has the room, the chosen one.
    if (n >= 1 && n < MIN_CELL && !enough(chosen)) {
      const found = this.roomier(k, box, chosen, keyOptions, enough, box.r.size === L);
      this.add(found ?? chosen);
      return;
    }
    this.add(chosen);
  }

  /** The 12 schools outside a set that the most sets treat alike with school x (ties: by index). */
  private nearestOutside(r: RowSet, x: number): number[] {
    let of = this.nearestOf.get(r);
    if (!of) this.nearestOf.set(r, (of = new Map()));
    let out = of.get(x);
    if (!out) {
      const { L } = this.cube.dims;
      const m = r.members;
      const others = [...m.keys()].filter((y) => !m[y]);
      others.sort((a, b) => this.cube.pairScore[x * L + b]! - this.cube.pairScore[x * L + a]!);
      of.set(x, (out = others.slice(0, 12)));
    }
    return out;
  }
  private readonly nearestOf = new Map<RowSet, Map<number, number[]>>();

  /** Of the other choices of a cycle for `box`, the first (least hiding) that `enough` takes. */
  private roomier(
    k: number,
    box: Box,
    chosen: Cycle,
    keyOptions: number[],
    enough: (z: Cycle) => boolean,
    noMonthPoint = false,
  ): Cycle | undefined {
    const { L, M } = this.cube.dims;
    const m = box.r.members;
    type Option = [number, number, number];
    // Schools: the chosen pair, then other outside schools by how many sets treat them alike; a point last.
    // The school inside: the chosen one, or another of the box's with the most cases there.
    const cases = this.leafTotals(box.c, box.a, box.b);
    const inside = [
      chosen.rx,
      ...box.r.list
        .filter((x) => x !== chosen.rx && cases[x]! > 0)
        .sort((a, b) => cases[b]! - cases[a]!)
        .slice(0, 3),
    ];
    const schoolOptions: Option[] = [];
    inside.forEach((rx, i) => {
      if (chosen.ry < 0 || rx === chosen.rx) schoolOptions.push([rx, chosen.ry, i]);
      if (chosen.ry < 0) return;
      this.nearestOutside(box.r, rx).forEach((y, j) => schoolOptions.push([rx, y, i + 1 + j]));
      // (A point in schools would hide every set holding the school, the municipality among them.)
    });
    // A subset family, where no pair of schools has the room: a point in schools with a pair in
    // parts (it hides the part in every set holding the school, the municipality among them, but
    // never the whole), rather than a cycle without room.
    if (this.subset && chosen.ry >= 0) schoolOptions.push([chosen.rx, -1, 16]);
    // The month inside: the chosen one, or another of the range with the most cases.
    const monthOptions: Option[] = [[chosen.mx, chosen.my, 0]];
    const monthCases = (x: number) => this.leafTotals(box.c, x, x).reduce((sum, v, l) => sum + (m[l] ? v : 0), 0);
    const insideMonths = Array.from({ length: box.b - box.a + 1 }, (_, i) => box.a + i).filter((x) => x !== chosen.mx && monthCases(x) > 0);
    insideMonths.sort((a, b) => monthCases(b) - monthCases(a));
    for (const x of insideMonths.slice(0, 3)) monthOptions.push([x, -1, 6]);
    for (const [x, y] of [
      [box.a, box.a - 1],
      [box.b, box.b + 1],
    ] as Array<[number, number]>)
      if (y >= 0 && y < M && !(x === chosen.mx && y === chosen.my)) monthOptions.push([x, y, 2]);
    if (chosen.my >= 0) monthOptions.push([chosen.mx, -1, 6]);
    const catOptions: Option[] = [[chosen.cx, chosen.cy, 0]];
    if (chosen.cy >= 0) {
      for (const c of this.cats) if (c !== chosen.cx && c !== chosen.cy) catOptions.push([chosen.cx, c, 1]);
      catOptions.push([chosen.cx, -1, 6]);
    } else {
      // A box of every category: the category inside may be any (each hides as much), best one with cases there.
      const inBox = (c: number) => this.leafTotals(c, box.a, box.b).reduce((sum, v, l) => sum + (m[l] ? v : 0), 0);
      for (const c of this.cats.filter((c) => c !== chosen.cx && inBox(c) > 0).sort((a, b) => inBox(b) - inBox(a)))
        catOptions.push([c, -1, 1]);
    }
    const keyOpts: Option[] = [[chosen.kx, chosen.ky, 0]];
    if (this.keys > 1) {
      for (const j of keyOptions) keyOpts.push(k === 0 ? [j, -1, 1] : [chosen.kx, j, 1]);
      if (chosen.ky >= 0) keyOpts.push([chosen.kx, -1, 6]);
    }
    // One scratch cycle for the candidates (millions of them over years of figures).
    const z: Cycle = { ...chosen };
    let best: Cycle | undefined;
    let bestCost = Infinity;
    // Indexed loops: destructuring an iterator per candidate cost more than checking it.
    for (let si = 0; si < schoolOptions.length; si++) {
      const [rx, ry, a] = schoolOptions[si]!;
      for (let mi = 0; mi < monthOptions.length; mi++) {
        const [mx, my, b] = monthOptions[mi]!;
        for (let ci = 0; ci < catOptions.length; ci++) {
          const cat = catOptions[ci]!;
          const cx = cat[0];
          const cy = cat[1];
          const c = cat[2];
          for (let ki = 0; ki < keyOpts.length; ki++) {
            const key = keyOpts[ki]!;
            const kx = key[0];
            const ky = key[1];
            const d = key[2];
            // A point in schools and months moves the municipality's total of every period holding
            // the month, unless a pair in categories or parts cancels it there.
            if (noMonthPoint && my < 0 && cy < 0 && ky < 0) continue;
            // A point in schools only with a pair in parts: it never moves the whole (reports).
            if (ry < 0 && chosen.ry >= 0 && ky < 0) continue;
            const cost = a + b + c + d;
            if (cost >= bestCost) continue;
            z.kx = kx;
            z.ky = ky;
            z.rx = rx;
            z.ry = ry;
            z.cx = cx;
            z.cy = cy;
            z.mx = mx;
            z.my = my;
            if (enough(z)) [best, bestCost] = [{ ...z }, cost];
          }
        }
      }
    }
    return best;
  }
}

export interface CubeRow {
  month: string;
  school_id: string;
  district_id: string;
  school_type: string;
  category: string;
  counts: Record<string, number>;
}

interface Cube {
  months: string[];
  leaves: Leaf[];
  cats: string[];
  dims: { L: number; C: number; M: number };
  rowSets: Map<string, RowSet>;
  allRows: RowSet;
  pairScore: Int32Array;
}

const nextMonth = (m: string) => {
  const [y, mo] = m.split('-').map(Number) as [number, number];
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
};

export type CellState = 'shown' | 'under5' | 'protects';

/** A growing column of 32-bit integers. */
class Ints {
  values = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const grown = new Int32Array(2 * this.length);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = v;
  }
}

/** The number of bits set in a 32-bit word. */
function bitCount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const leafKey = (l: Leaf) => `${l.school}\u001f${l.district}\u001f${l.type}`;

/**
 * The pattern over the whole cube. `families` lists the counts that share a pattern;
 * `noCategory` the families counted without a category (consultations, category '').
 */
export class SuppressionPattern {
  private readonly cube: Cube;
  /** Each count's families (a count may sit in several: reports in each subset family of its parts'). */
  private readonly families = new Map<string, Array<{ pattern: FamilyPattern; index: number; noCategory: boolean }>>();
  private readonly catIndex = new Map<string, number>();
  private readonly leafIndex = new Map<string, number>();

  /** The longest run of months a query can ask for: the pattern covers those runs only (`cell` hides a longer one). */
  private readonly maxMonths: number;

  /**
   * Works the pattern out in one go (`finish`), or only sets it up: `workOutPattern` then does the
   * work in slices. `maxMonths`: the longest run of months a query can ask for (statistics.ts
   * `MAX_PERIOD_MONTHS`); by default every run over the data.
   */
  constructor(
    rows: CubeRow[],
    families: string[][],
    noCategory: Set<string>,
    scopes: string[][],
    extraLeaves: Leaf[] = [],
    { finish = true, maxMonths = Infinity }: { finish?: boolean; maxMonths?: number } = {},
  ) {
    this.maxMonths = maxMonths;
    const present = rows.filter((r) => Object.values(r.counts).some((n) => n !== 0));
    const monthsSeen = present.map((r) => r.month).sort();
    const months: string[] = [];
    if (monthsSeen.length) for (let m = monthsSeen[0]!; m <= monthsSeen[monthsSeen.length - 1]!; m = nextMonth(m)) months.push(m);
    const leaves: Leaf[] = [];
    for (const l of [
      ...extraLeaves,
      ...present.map((r) => ({
        school: r.school_id,
        district: r.district_id,
        type: r.school_type,
      })),
    ]) {
      if (this.leafIndex.has(leafKey(l))) continue;
      this.leafIndex.set(leafKey(l), leaves.length);
      leaves.push(l);
    }
    const cats = [...new Set(['', ...present.map((r) => r.category)])].sort();
    cats.forEach((c, i) => this.catIndex.set(c, i));
    const L = leaves.length;
    const C = cats.length;
    const M = months.length;
    const rowSets = rowSetsOf(leaves, scopes);
    const sets = [...rowSets.values()];
    this.cube = { months, leaves, cats, dims: { L, C, M }, rowSets, allRows: sets[0]!, pairScore: new Int32Array(L * L) };
    this.work = this.workOut(present, sets, families, noCategory);
    if (finish) this.finish();
  }

  /** The steps left (for `workOutPattern`). */
  steps(): Iterable<void> {
    return { [Symbol.iterator]: () => this.work };
  }

  /** Does the rest of the work in one go. */
  private finish(): void {
    for (let step = this.work.next(); !step.done; step = this.work.next());
  }

  /** What is left to work out: one step at a time, so that a caller can give the event loop turns in between. */
  private readonly work: Generator<void, void>;

  /** The steps of working the pattern out (small ones: a school set or a few protected boxes each). */
  private *workOut(present: CubeRow[], sets: RowSet[], families: string[][], noCategory: Set<string>): Generator<void, void> {
    const { L, C, M } = this.cube.dims;
    const { pairScore, leaves, months, cats } = this.cube;
    // How many school sets hold both or neither of two schools (a pair of schools that many sets
    // treat alike makes a cycle that cancels in many figures): the sets less those that hold one
    // of them only, counted on each school's sets as bits.
    const words = (sets.length + 31) >> 5;
    const bits = new Uint32Array(L * words);
    sets.forEach((s, i) => {
      for (let x = 0; x < L; x++) if (s.members[x]) bits[x * words + (i >> 5)]! |= 1 << (i & 31);
    });
    for (let x = 0; x < L; x++) {
      for (let y = 0; y < L; y++) {
        let apart = 0;
        for (let w = 0; w < words; w++) apart += bitCount(bits[x * words + w]! ^ bits[y * words + w]!);
        pairScore[x * L + y] = sets.length - apart;
      }
      if (x % 16 === 15) yield;
    }
    const monthIndex = new Map(months.map((m, i) => [m, i]));
    const M1 = M + 1;

    // Where each row's counts go in a family's prefix sums: [leaf][cat][month + 1].
    const at = present.map(
      (r) =>
        (this.leafIndex.get(leafKey({ school: r.school_id, district: r.district_id, type: r.school_type }))! * C +
          this.catIndex.get(r.category)!) *
          M1 +
        monthIndex.get(r.month)! +
        1,
    );
    const catSets = (fam: string[]) =>
      fam.some((k) => noCategory.has(k)) ? [this.catIndex.get('')!] : cats.map((_, i) => i).filter((i) => cats[i] !== '');
    for (const fam of families) {
      const famCats = catSets(fam);
      const K = fam.length;
      const prefix = fam.map(() => new Float64Array(L * C * M1));
      present.forEach((r, j) => {
        for (let i = 0; i < K; i++) prefix[i]![at[j]!]! += countOf(r.counts, fam[i]!);
      });
      for (const p of prefix)
        for (let base = 0; base < L * C * M1; base += M1) for (let i = 1; i <= M; i++) p[base + i]! += p[base + i - 1]!;
      const pattern = new FamilyPattern(this.cube, prefix, famCats, K, K === 3 && fam[2]!.includes('\\'));
      const register = () => {
        this.inOrder.push(pattern);
        fam.forEach((k, index) => {
          let of = this.families.get(k);
          if (!of) this.families.set(k, (of = []));
          of.push({ pattern, index, noCategory: fam.some((f) => noCategory.has(f)) });
        });
      };
      if (this.kept) {
        this.keptAt = restoreFamily(this.kept, this.keptAt, pattern, { K, L, C, M });
        pattern.settle();
        register();
        continue;
      }
      const familyTotal = (b: Box) => {
        let sum = 0;
        for (let i = 0; i < K; i++) sum += pattern.value(i, b);
        return sum;
      };
      // Every box anyone can ask for; the sensitive ones (some count 1-4), finest first. Per school
      // set and category: each key's sums over months (row[k][month + 1]), then every run of months
      // a query can ask for (at most `maxMonths`).
      // Kept as columns of numbers, not objects: years of sparse figures have a million of them.
      const sensitive = { set: new Ints(), c: new Ints(), a: new Ints(), b: new Ints(), k: new Ints() };
      const catChoices = famCats.length > 1 ? [...famCats, -1] : [-1];
      const row = new Float64Array(K * M1);
      for (let si = 0; si < sets.length; si++) {
        const perKey = fam.map((_, k) => pattern.setPrefix(k, sets[si]!));
        for (const c of catChoices) {
          for (let k = 0; k < K; k++) {
            const sp = perKey[k]!;
            for (let i = 0; i <= M; i++) {
              if (c >= 0) row[k * M1 + i] = sp[c * M1 + i]!;
              else {
                let sum = 0;
                for (const cc of famCats) sum += sp[cc * M1 + i]!;
                row[k * M1 + i] = sum;
              }
            }
          }
          for (let a = 0; a < M; a++) {
            // Nothing from month a on: no box starting there or later holds a case.
            let rest = 0;
            for (let k = 0; k < K; k++) rest += row[k * M1 + M]! - row[k * M1 + a]!;
            if (!rest) break;
            for (let b = a; b < M && b - a < this.maxMonths; b++) {
              let small = false;
              for (let k = 0; k < K; k++) {
                const v = row[k * M1 + b + 1]! - row[k * M1 + a]!;
                if (v < MIN_CELL) small = true;
                if (v > 0 && v < MIN_CELL) {
                  sensitive.set.push(si);
                  sensitive.c.push(c);
                  sensitive.a.push(a);
                  sensitive.b.push(b);
                  sensitive.k.push(k);
                }
              }
              // Counts never go below 0: once every count of the family is 5 or more, every longer
              // run of months is too.
              if (!small) break;
            }
          }
          yield;
        }
      }
      // Finest first: fewest schools, one category before all, fewest months, the family's parts
      // before its sum; as they came otherwise (a stable counting sort: there can be a million).
      const n = sensitive.k.length;
      const [setOf, cOf, aOf, bOf, kOf] = [
        sensitive.set.values,
        sensitive.c.values,
        sensitive.a.values,
        sensitive.b.values,
        sensitive.k.values,
      ];
      const rank = (i: number) => ((sets[setOf[i]!]!.size * 2 + (cOf[i]! < 0 ? 1 : 0)) * M + bOf[i]! - aOf[i]!) * K + K - 1 - kOf[i]!;
      const starts = new Int32Array((L + 1) * 2 * M * K + 1);
      for (let i = 0; i < n; i++) starts[rank(i) + 1]!++;
      for (let i = 1; i < starts.length; i++) starts[i]! += starts[i - 1]!;
      const ordered = new Int32Array(n);
      for (let i = 0; i < n; i++) ordered[starts[rank(i)]!++] = i;
      yield;
      for (let j = 0; j < n; j++) {
        const i = ordered[j]!;
        const k = kOf[i]!;
        const box: Box = { r: sets[setOf[i]!]!, c: cOf[i]!, a: aOf[i]!, b: bOf[i]! };
        // Protected already by another box's cycle, unless its own row (the total and the parts as
        // printed so far) still pins it: that cycle was chosen for another box's row; or unless no
        // cycle over it can move it up to 4 and down to 1 (it rests on cells of 0).
        if (!pattern.hit(k, box) || pattern.rowPins(k, box) || !pattern.moves(k, box, pattern.value(k, box)))
          pattern.protect(k, box, familyTotal);
        if (j % 8 === 7) yield;
      }
      pattern.settle();
      register();
      yield;
    }
    if (this.kept && this.keptAt !== this.kept.length) throw new Error('kept pattern: longer than its families');
  }

  /** The families' patterns in the order of `families` (as `keep` writes them and `restore` reads them). */
  private readonly inOrder: FamilyPattern[] = [];
  /** A kept pattern being taken back (`restore`), and how far it is read. */
  private kept: Int32Array | undefined;
  private keptAt = 0;

  /**
   * The pattern as worked out before over the same cube (`keep`, by `patternFingerprint`): its
   * cycles are taken back instead of worked out. Throws if they do not fit the cube. `maxMonths`
   * as it was worked out with (part of the fingerprint).
   */
  static restore(
    rows: CubeRow[],
    families: string[][],
    noCategory: Set<string>,
    scopes: string[][],
    extraLeaves: Leaf[],
    kept: Int32Array,
    maxMonths = Infinity,
  ): SuppressionPattern {
    const pattern = new SuppressionPattern(rows, families, noCategory, scopes, extraLeaves, { finish: false, maxMonths });
    pattern.kept = kept;
    pattern.finish();
    pattern.kept = undefined;
    return pattern;
  }

  /** The cycles, family by family (a count, then 8 numbers a cycle), for `restore`. */
  keep(): Int32Array {
    const patterns = this.inOrder;
    const out = new Int32Array(patterns.reduce((n, p) => n + 1 + 8 * p.cycles.length, 0));
    let at = 0;
    for (const p of patterns) {
      out[at++] = p.cycles.length;
      for (const z of p.cycles) {
        out.set([z.kx, z.ky, z.rx, z.ry, z.cx, z.cy, z.mx, z.my], at);
        at += 8;
      }
    }
    return out;
  }

  /** The categories in the data (reports'), sorted. */
  get categories(): string[] {
    return this.cube.cats.filter((c) => c !== '');
  }
  get leaves(): Leaf[] {
    return this.cube.leaves;
  }

  /** The months the pattern covers (the data's range). */
  get months(): string[] {
    return this.cube.months;
  }

  /** The box of a query cell: schools (by leaf test), a category or all, and a month range (YYYY-MM, inclusive). */
  private box(schools: (l: Leaf) => boolean, from: string, to: string): { r: RowSet | undefined; a: number; b: number } | undefined {
    const { months, leaves } = this.cube;
    const members = Uint8Array.from(leaves.map((l) => (schools(l) ? 1 : 0)));
    let a = months.findIndex((m) => m >= from);
    let b = months.length - 1;
    while (b >= 0 && months[b]! > to) b--;
    if (a < 0 || b < a || !members.some((x) => x)) return undefined;
    a = Math.max(a, 0);
    return { r: this.cube.rowSets.get(membershipKey(members)), a, b };
  }

  /**
   * A count as a query shows it: its value and whether it is shown. `category` undefined = all.
   * A box no query can ask for (never happens) is hidden.
   */
  cell(
    key: string,
    schools: (l: Leaf) => boolean,
    category: string | undefined,
    from: string,
    to: string,
  ): { value: number; state: CellState } {
    return this.cells([key], schools, category, from, to)[0]!;
  }

  /** `cell` for several counts over the same schools, category and months (a row of a table). */
  cells(
    keys: readonly string[],
    schools: (l: Leaf) => boolean,
    category: string | undefined,
    from: string,
    to: string,
  ): Array<{ value: number; state: CellState }> {
    const where = this.box(schools, from, to);
    return keys.map((key) => this.cellIn(key, where, category));
  }

  private cellIn(
    key: string,
    where: ReturnType<SuppressionPattern['box']>,
    category: string | undefined,
  ): { value: number; state: CellState } {
    const fams = this.families.get(key);
    if (!fams) throw new Error(`no pattern for ${key}`);
    const fam = fams[0]!;
    if (!where) return { value: 0, state: 'under5' };
    let c = -1;
    if (category !== undefined) {
      if (fams.some((f) => f.noCategory)) return { value: 0, state: 'under5' };
      const ci = this.catIndex.get(category);
      if (ci === undefined) return { value: 0, state: 'under5' };
      c = ci;
    }
    // A box no query can ask for (a school set or a run of months the pattern does not cover) is hidden.
    if (!where.r || where.b - where.a + 1 > this.maxMonths) return { value: 0, state: 'protects' };
    const box: Box = { r: where.r, c, a: where.a, b: where.b };
    const value = fam.pattern.value(fam.index, box);
    if (value < MIN_CELL) return { value, state: 'under5' };
    // Hidden where any of its families hides it.
    return { value, state: fams.some((f) => f.pattern.hit(f.index, box)) ? 'protects' : 'shown' };
  }

  /** How many protecting cycles (for the log). */
  get size(): number {
    return [...new Set([...this.families.values()].flatMap((fs) => fs.map((f) => f.pattern)))].reduce((s, p) => s + p.cycles.length, 0);
  }
}

/** Reads one family's kept cycles from `at`, checking each fits the cube; returns where the next family starts. */
function restoreFamily(kept: Int32Array, at: number, pattern: FamilyPattern, dims: { K: number; L: number; C: number; M: number }): number {
  const n = kept[at++];
  if (n === undefined || n < 0 || at + 8 * n > kept.length) throw new Error('kept pattern: does not fit');
  const { K, L, C, M } = dims;
  const inRange = (v: number, size: number, none: boolean) => (none && v === -1) || (v >= 0 && v < size);
  for (let i = 0; i < n; i++, at += 8) {
    const [kx, ky, rx, ry, cx, cy, mx, my] = kept.subarray(at, at + 8) as unknown as number[];
    const z = { kx: kx!, ky: ky!, rx: rx!, ry: ry!, cx: cx!, cy: cy!, mx: mx!, my: my! };
    const fits =
      inRange(z.kx, Math.max(1, K - 1), false) &&
      inRange(z.ky, K - 1, true) &&
      inRange(z.rx, L, false) &&
      inRange(z.ry, L, true) &&
      inRange(z.cx, C, false) &&
      inRange(z.cy, C, true) &&
      inRange(z.mx, M, false) &&
      inRange(z.my, M, true);
    if (!fits) throw new Error('kept pattern: a cycle outside the cube');
    pattern.restoreCycle(z);
  }
  return at;
}

let codeHash: string | undefined;
/** This module's own text (as it runs: the TypeScript or the built JavaScript), hashed once. */
function ownCode(): string {
  codeHash ??= createHash('sha256').update(readFileSync(__filename)).digest('hex');
  return codeHash;
}

/**
 * What a pattern is worked out from, as one hash: the cube's rows, the families, the school sets
 * (leaves and scopes), the longest run of months it covers, and the code that works it out (this
 * module's own text, so that a changed rule never reads a pattern worked out by the old one).
 * Equal fingerprints, equal patterns.
 */
export function patternFingerprint(
  rows: CubeRow[],
  families: string[][],
  noCategory: Set<string>,
  scopes: string[][],
  extraLeaves: Leaf[],
  maxMonths = Infinity,
): string {
  const h = createHash('sha256');
  h.update(ownCode());
  h.update(JSON.stringify({ families, noCategory: [...noCategory].sort(), scopes, extraLeaves, maxMonths: String(maxMonths) }));
  const line = (r: CubeRow) =>
    JSON.stringify([
      r.month,
      r.school_id,
      r.district_id,
      r.school_type,
      r.category,
      Object.entries(r.counts).sort(([a], [b]) => (a < b ? -1 : 1)),
    ]);
  for (const l of rows.map(line).sort()) h.update(l).update('\n');
  return h.digest('hex');
}

/**
 * Works a pattern out in slices of about `sliceMs`, giving the event loop a turn after each, so
 * that turns and deliveries go on while a large pattern (years of sparse figures: seconds) is
 * worked out. Gives up (rejects) once `signal` is aborted.
 */
export async function workOutPattern(
  rows: CubeRow[],
  families: string[][],
  noCategory: Set<string>,
  scopes: string[][],
  extraLeaves: Leaf[] = [],
  { sliceMs = 10, signal, maxMonths }: { sliceMs?: number; signal?: AbortSignal; maxMonths?: number } = {},
): Promise<SuppressionPattern> {
  const pattern = new SuppressionPattern(rows, families, noCategory, scopes, extraLeaves, {
    finish: false,
    ...(maxMonths ? { maxMonths } : {}),
  });
  let sliceStart = performance.now();
  for (const _ of pattern.steps()) {
    if (performance.now() - sliceStart < sliceMs) continue;
    await new Promise((resolve) => setImmediate(resolve));
    // Stopped (the process is shutting down): no reason to finish.
    signal?.throwIfAborted();
    sliceStart = performance.now();
  }
  return pattern;
}
