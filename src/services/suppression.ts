/**
 * One suppression pattern for every figure anyone can ask for (issue 7).
 *
 * The base cells are month × school × category (from the roll-up). Every figure a query returns is
 * the sum of base cells over a box: a run of whole months (a month, a term, a year or a custom
 * range) × a set of schools (one school, a district, a school type, the municipality, a principal's
 * own schools, or those of them in a district or of a type) × one category or all. The pattern is
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
 * Figures whose box a cycle does not cancel in are shown as ".." (or "<5" when under 5).
 *
 * The counts of a family with a sum rule (decisions = opened + not opened + already ongoing;
 * consultations = their four outcomes) share one pattern, so the rule gives nothing away either.
 */

export const MIN_CELL = 5;

export interface Leaf {
  school: string;
  district: string;
  type: string;
}

export interface RowSet {
  key: string;
  members: Uint8Array;
  size: number;
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
    const size = members.reduce((a, b) => a + b, 0);
    if (!size) return;
    const key = membershipKey(members);
    if (!out.has(key)) out.set(key, { key, members, size });
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
  ) {}

  /** The count of key `k` (index in the family) over a box. */
  value(k: number, box: Box): number {
    const { L, C, M } = this.cube.dims;
    const cats = box.c < 0 ? this.cats : [box.c];
    // A school set of the query system: its own prefix sums (summed over its schools once).
    const perSet = box.r.key ? this.setPrefix(k, box.r) : undefined;
    let sum = 0;
    if (perSet) {
      for (const c of cats) sum += perSet[c * (M + 1) + box.b + 1]! - perSet[c * (M + 1) + box.a]!;
      return sum;
    }
    const p = this.prefix[k]!;
    for (let l = 0; l < L; l++) {
      if (!box.r.members[l]) continue;
      for (const c of cats) {
        const base = (l * C + c) * (M + 1);
        sum += p[base + box.b + 1]! - p[base + box.a]!;
      }
    }
    return sum;
  }

  private readonly setPrefixes = new Map<RowSet, Float64Array[]>();
  private setPrefix(k: number, r: RowSet): Float64Array {
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

  /** Does some cycle not cancel over this box for key k (so it is protected, and not published)? */
  hit(k: number, box: Box): boolean {
    const m = box.r.members;
    // Only cycles with exactly one of their schools in the box can fail to cancel: look those up
    // by school (a box of every school meets only the cycles with a single school).
    for (let l = 0; l < m.length; l++) {
      if (!m[l]) continue;
      for (const z of this.byLeaf[l] ?? []) {
        if (z.rx !== l && z.ry !== l) continue;
        const fr = m[z.rx]! - (z.ry >= 0 ? m[z.ry]! : 0);
        if (!fr || !this.keyFactor(k, z)) continue;
        const fc = (box.c < 0 || box.c === z.cx ? 1 : 0) - (z.cy >= 0 && (box.c < 0 || box.c === z.cy) ? 1 : 0);
        if (!fc) continue;
        const fm = (z.mx >= box.a && z.mx <= box.b ? 1 : 0) - (z.my >= 0 && z.my >= box.a && z.my <= box.b ? 1 : 0);
        if (fm) return true;
      }
    }
    return false;
  }

  /** The cycles by each of their schools. */
  private readonly byLeaf: Cycle[][] = [];
  private add(z: Cycle): void {
    this.cycles.push(z);
    for (const l of z.ry >= 0 ? [z.rx, z.ry] : [z.rx]) (this.byLeaf[l] ??= []).push(z);
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
    const single = (l: number): RowSet => {
      const members = new Uint8Array(L);
      members[l] = 1;
      // The school's own set (so its sums are cached) when it is one: a leaf is a school unless
      // the school changed district or type.
      return this.cube.rowSets.get(membershipKey(members)) ?? { key: '', members, size: 1 };
    };
    // Schools: a pair (inside, outside) that as many school sets as possible hold both or neither
    // of; a point (the school with the fewest cases) when the box holds every school.
    let rx = -1;
    let ry = -1;
    if (box.r.size < L) {
      // Ties go to the outside school with the fewest cases (hiding it costs least).
      let best = -1;
      let bestV = Infinity;
      const outside = new Map<number, number>();
      for (let y = 0; y < L; y++) if (!m[y]) outside.set(y, familyTotal({ ...box, r: single(y) }));
      for (let x = 0; x < L; x++) {
        if (!m[x]) continue;
        for (const [y, v] of outside) {
          const score = this.cube.pairScore[x * L + y]!;
          if (score > best || (score === best && v < bestV)) [best, bestV, rx, ry] = [score, v, x, y];
        }
      }
    } else
      rx = smallest(
        [...m.keys()].filter((l) => m[l]),
        (l) => familyTotal({ ...whole, r: single(l) }),
      );
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
    const cost = (x: number, y: number) => (termOf(months[x]!) === termOf(months[y]!) ? 2 : months[x]!.slice(0, 4) === months[y]!.slice(0, 4) ? 8 : 26);
    const inRange = Array.from({ length: box.b - box.a + 1 }, (_, i) => box.a + i);
    const span = (x: number, same: (m: string) => boolean) => {
      let a = x;
      let b = x;
      while (a > 0 && same(months[a - 1]!)) a--;
      while (b < M - 1 && same(months[b + 1]!)) b++;
      return familyTotal({ ...whole, a, b });
    };
    // A point's harm: the cases in its month, term and year (the figures it hides).
    let mx = smallest(inRange, (x) => span(x, (mm) => mm === months[x]) + span(x, (mm) => termOf(mm) === termOf(months[x]!)) + span(x, (mm) => mm.slice(0, 4) === months[x]!.slice(0, 4)));
    let my = -1;
    let bestCost = 13;
    for (const [x, y] of [
      [box.a, box.a - 1],
      [box.b, box.b + 1],
    ] as Array<[number, number]>) {
      if (y < 0 || y >= M) continue;
      if (cost(x, y) < bestCost) [bestCost, mx, my] = [cost(x, y), x, y];
    }
    // Keys: a component pairs with the family's smallest other component in the box (the sum then
    // cancels, so the total can be shown); the sum key itself takes its smallest component.
    let kx = 0;
    let ky = -1;
    if (this.keys > 1) {
      const comps = Array.from({ length: this.keys - 1 }, (_, j) => j);
      const v = (j: number) => this.value(j + 1, box);
      if (k === 0) kx = smallest(comps, v);
      else {
        kx = k - 1;
        ky = smallest(
          comps.filter((j) => j !== kx),
          v,
        );
      }
    }
    this.add({ kx, ky, rx, ry, cx, cy, mx, my });
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

/**
 * The pattern over the whole cube. `families` lists the counts that share a pattern;
 * `noCategory` the families counted without a category (consultations, category '').
 */
export class SuppressionPattern {
  private readonly cube: Cube;
  private readonly families = new Map<string, { pattern: FamilyPattern; index: number; noCategory: boolean }>();
  private readonly catIndex = new Map<string, number>();
  private readonly leafIndex = new Map<string, number>();

  constructor(rows: CubeRow[], families: string[][], noCategory: Set<string>, scopes: string[][], extraLeaves: Leaf[] = []) {
    const present = rows.filter((r) => Object.values(r.counts).some((n) => n !== 0));
    const monthsSeen = present.map((r) => r.month).sort();
    const months: string[] = [];
    if (monthsSeen.length) for (let m = monthsSeen[0]!; m <= monthsSeen[monthsSeen.length - 1]!; m = nextMonth(m)) months.push(m);
    const leafKey = (l: Leaf) => `${l.school}\u001f${l.district}\u001f${l.type}`;
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
    const pairScore = new Int32Array(L * L);
    for (let x = 0; x < L; x++) for (let y = 0; y < L; y++) for (const s of sets) if (s.members[x] === s.members[y]) pairScore[x * L + y]!++;
    this.cube = { months, leaves, cats, dims: { L, C, M }, rowSets, allRows: sets[0]!, pairScore };
    const monthIndex = new Map(months.map((m, i) => [m, i]));

    const catSets = (fam: string[]) => (fam.some((k) => noCategory.has(k)) ? [this.catIndex.get('')!] : cats.map((_, i) => i).filter((i) => cats[i] !== ''));
    for (const fam of families) {
      const famCats = catSets(fam);
      const prefix = fam.map(() => new Float64Array(L * C * (M + 1)));
      for (const r of present) {
        const l = this.leafIndex.get(
          leafKey({
            school: r.school_id,
            district: r.district_id,
            type: r.school_type,
          }),
        )!;
        const c = this.catIndex.get(r.category)!;
        const mi = monthIndex.get(r.month)!;
        fam.forEach((k, i) => {
          prefix[i]![(l * C + c) * (M + 1) + mi + 1]! += r.counts[k] ?? 0;
        });
      }
      for (const p of prefix) for (let base = 0; base < L * C * (M + 1); base += M + 1) for (let i = 1; i <= M; i++) p[base + i]! += p[base + i - 1]!;
      const pattern = new FamilyPattern(this.cube, prefix, famCats, fam.length);
      const familyTotal = (b: Box) => fam.reduce((s, _, i) => s + pattern.value(i, b), 0);
      // Every box anyone can ask for; the sensitive ones (some count 1-4), finest first.
      const sensitive: Array<{ k: number; box: Box }> = [];
      const catChoices = famCats.length > 1 ? [...famCats, -1] : [-1];
      for (const r of sets)
        for (const c of catChoices)
          for (let a = 0; a < M; a++)
            for (let b = a; b < M; b++) {
              const box = { r, c, a, b };
              let small = false;
              fam.forEach((_, k) => {
                const v = pattern.value(k, box);
                if (v < MIN_CELL) small = true;
                if (v > 0 && v < MIN_CELL) sensitive.push({ k, box });
              });
              // Counts never go below 0: once every count of the family is 5 or more, every longer
              // run of months is too.
              if (!small) break;
            }
      sensitive.sort((p, q) => p.box.r.size - q.box.r.size || (p.box.c < 0 ? 1 : 0) - (q.box.c < 0 ? 1 : 0) || p.box.b - p.box.a - (q.box.b - q.box.a) || q.k - p.k);
      for (const { k, box } of sensitive)
        if (!pattern.hit(k, box)) pattern.protect(k, box, familyTotal);
      fam.forEach((k, index) =>
        this.families.set(k, {
          pattern,
          index,
          noCategory: fam.some((f) => noCategory.has(f)),
        }),
      );
    }
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
  cell(key: string, schools: (l: Leaf) => boolean, category: string | undefined, from: string, to: string): { value: number; state: CellState } {
    const fam = this.families.get(key);
    if (!fam) throw new Error(`no pattern for ${key}`);
    const where = this.box(schools, from, to);
    if (!where) return { value: 0, state: 'under5' };
    let c = -1;
    if (category !== undefined) {
      if (fam.noCategory) return { value: 0, state: 'under5' };
      const ci = this.catIndex.get(category);
      if (ci === undefined) return { value: 0, state: 'under5' };
      c = ci;
    }
    if (!where.r) return { value: 0, state: 'protects' };
    const box: Box = { r: where.r, c, a: where.a, b: where.b };
    const value = fam.pattern.value(fam.index, box);
    if (value < MIN_CELL) return { value, state: 'under5' };
    return { value, state: fam.pattern.hit(fam.index, box) ? 'protects' : 'shown' };
  }

  /** How many protecting cycles (for the log). */
  get size(): number {
    return (
      new Set([...this.families.values()].map((f) => f.pattern)).size && [...new Set([...this.families.values()].map((f) => f.pattern))].reduce((s, p) => s + p.cycles.length, 0)
    );
  }
}
