import loadHighs from 'highs';

/**
 * The attacker who reads bounds (issue 24), as statistical offices audit a suppression pattern
 * (τ-ARGUS's protection levels): the unknowns are the base cells (counts, so 0 or more), and every
 * printed figure is a sum of them with what the print says about it: a number is exact, ".." (every
 * figure not shown, whether under 5 or hidden to protect another: one mark, so that the mark itself
 * bounds nothing) is 0 or more. By linear
 * programming (HiGHS) the smallest and the largest value each target can take under all of it at
 * once. A target of 1-4 is protected when its range still holds 1 and 4: nothing printed says
 * more about it than that it is small.
 */

export interface Figure {
  /** The base cells it sums (each once). */
  cells: number[];
  /** As printed: digits or "..". */
  text: string;
  /** For `explain`. */
  label?: string;
}

export interface Target {
  cells: number[];
  /** Each cell's coefficient (a complement, whole − part: +1 and −1); 1 for every cell when absent. */
  values?: number[];
  label: string;
}

/** Something else the attacker knows: lo ≤ Σ values·cells ≤ hi (a part is at most its whole in every base cell). */
export interface Inequality {
  cells: number[];
  values: number[];
  lo: number;
  hi: number;
}

/** A target's cells and coefficients, each cell once (a cell listed twice adds up). */
function coefficients(t: Target): { cells: number[]; values: number[] } {
  const sum = new Map<number, number>();
  t.cells.forEach((c, i) => sum.set(c, t.values ? (sum.get(c) ?? 0) + t.values[i]! : 1));
  const cells = [...sum.keys()].filter((c) => sum.get(c) !== 0).sort((a, b) => a - b);
  return { cells, values: cells.map((c) => sum.get(c)!) };
}

export interface Range {
  label: string;
  min: number;
  max: number;
}

/** What a printed figure says about its sum. */
export function boundsOf(text: string): [number, number] {
  if (/^\d+$/.test(text)) return [Number(text), Number(text)];
  if (text === '..') return [0, Infinity];
  throw new Error(`not a printed count: ${text}`);
}

let highs: Awaited<ReturnType<typeof loadHighs>> | undefined;

/** Every target's range under every printed figure; `cellCount` base cells, each 0 or more. */
export async function ranges(
  cellCount: number,
  figures: Figure[],
  targets: Target[],
  explain = false,
  inequalities: Inequality[] = [],
): Promise<Range[]> {
  highs ??= await loadHighs();
  const h = highs;
  const inf = h.infinity;
  // The same sum printed twice (two groupings, two viewers) is one row: the tightest of its bounds.
  const rows = new Map<string, { cells: number[]; lo: number; hi: number; label: string }>();
  for (const f of figures) {
    if (!f.cells.length) continue;
    const cells = [...new Set(f.cells)].sort((a, b) => a - b);
    const [lo, hi] = boundsOf(f.text);
    const key = cells.join(',');
    const row = rows.get(key);
    if (row) [row.lo, row.hi] = [Math.max(row.lo, lo), Math.min(row.hi, hi)];
    else rows.set(key, { cells, lo, hi, label: `${f.label ?? key} ${f.text}` });
  }
  // A ".." says its sum is 0 or more, which every cell being 0 or more says already: such a row
  // adds nothing but size (most of a breakdown's figures are ".."), so it is left out.
  const kept = [...rows.values()].filter((r) => r.lo > 0 || r.hi !== Infinity);
  const model = h.createModel();
  try {
    model.options.set({ output_flag: false });
    model.addVars(new Float64Array(cellCount), new Float64Array(cellCount).fill(inf));
    for (const { cells, lo, hi } of kept) model.addRow(lo, hi === Infinity ? inf : hi, { indices: cells, values: cells.map(() => 1) });
    for (const { cells, values, lo, hi } of inequalities)
      model.addRow(lo === -Infinity ? -inf : lo, hi === Infinity ? inf : hi, { indices: cells, values });
    const out: Range[] = [];
    const solve = (sense: 'minimize' | 'maximize') => {
      model.changeObjectiveSense(h.constants.objectiveSense[sense]);
      model.run();
      const status = model.getModelStatus();
      if (status === h.constants.modelStatus.unbounded) return sense === 'maximize' ? Infinity : -Infinity;
      if (status !== h.constants.modelStatus.optimal)
        throw new Error(`the printed figures have no solution (status ${status}): the audit's model is wrong`);
      return model.getObjectiveValue();
    };
    for (const t of targets) {
      const { cells, values } = coefficients(t);
      model.changeColsCost({ kind: 'set', indices: cells }, values);
      const min = solve('minimize');
      // Which printed figures bound the target (their duals): what the attacker combined.
      const why = (sense: string) => {
        const dual = model.getSolution().rowDual;
        const list = kept;
        console.log(
          `${t.label}, ${sense}:`,
          list.flatMap((r, i) => (Math.abs(dual[i]!) > 1e-9 ? [`${+dual[i]!.toFixed(3)} × ${r.label}`] : [])).join('; ') +
            ([...dual].slice(list.length).some((d) => Math.abs(d) > 1e-9) ? ' + part ≤ whole in base cells' : ''),
        );
      };
      if (explain && min > 1 + 1e-6) why('min');
      const max = solve('maximize');
      if (explain && max < 4 - 1e-6) why('max');
      model.changeColsCost(
        { kind: 'set', indices: cells },
        cells.map(() => 0),
      );
      out.push({ label: t.label, min, max });
    }
    return out;
  } finally {
    model.dispose();
  }
}

/** The targets an attacker narrows: a range that no longer holds both 1 and 4. */
export async function narrowed(
  cellCount: number,
  figures: Figure[],
  targets: Target[],
  explain = false,
  inequalities: Inequality[] = [],
): Promise<string[]> {
  const eps = 1e-6;
  return (await ranges(cellCount, figures, targets, explain, inequalities))
    .filter((r) => r.min > 1 + eps || r.max < 4 - eps)
    .map((r) => `${r.label}: ${+r.min.toFixed(3)}-${+r.max.toFixed(3)}`);
}

/**
 * The same attack on one printed row alone: a sum and its parts (decisions = opened + not opened
 * + already ongoing), each as printed. Each part's range, exactly (one equation with bounds).
 */
export function rangesOfParts(sum: string, parts: string[]): Array<[number, number]> {
  const [sLo, sHi] = boundsOf(sum);
  const b = parts.map(boundsOf);
  return b.map(([lo, hi], i) => {
    const others = b.filter((_, j) => j !== i);
    return [Math.max(lo, sLo - others.reduce((s, o) => s + o[1], 0)), Math.min(hi, sHi - others.reduce((s, o) => s + o[0], 0))];
  });
}
