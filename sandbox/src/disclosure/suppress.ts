/**
 * Primary and secondary cell suppression.
 *
 * A *family* is what a cell's values are computed over: `rows` (the rows of the cell, behind
 * `count`) or `col:<c>` (the cell's rows where column c is non-null, behind count(c), sum, mean,
 * variance, stddev of c). Each table of cells keeps, per family, the number of contributing rows
 * of every cell (its size) and whether the cell is released, primarily or secondarily suppressed.
 *
 * Primary: a cell whose size is below minCellCount is suppressed.
 *
 * Secondary, on *relations* "coarse cell = sum of fine cells" of one family:
 *   - every table's cells sum to its total (the table's own total is treated as known: it may be
 *     released by another request, another run, or be public);
 *   - a group-by B is a margin of a group-by A when both are over the same table and the same
 *     selected rows and B's grouping columns are a strict subset of A's (no columns: the total);
 *     then each cell of B is the sum of the cells of A sharing its group values.
 * A relation is safe when none of its members is suppressed, or when its suppressed fine cells
 * together hold at least minCellCount rows (then "coarse minus released fines" only reveals an
 * aggregate of ≥ minCellCount rows, and a suppressed coarse cell is not the sum of released fines).
 * Repair: while a relation has a suppressed member (fine or coarse) and its suppressed fines hold
 * fewer than minCellCount rows (or are a single cell suppressed by the dominance rule, whose sum
 * would otherwise follow from the total), suppress its smallest released fine cell (fewest rows; ties: the
 * first cell). Relations are repaired in turn until a whole pass changes nothing; suppression only
 * grows, so this terminates. Example: counts A=50, B=30, C=1 under a known total: C is primary,
 * its relation holds 1 < 10 suppressed rows, so B (30) is suppressed too, and total−A = B+C.
 *
 * This is the classic "no line with a single suppression, and enough rows hidden" heuristic; it
 * protects each relation, not every linear combination across many linked tables (which needs an
 * LP solver as in τ-ARGUS).
 */

export const RELEASED = 0;
export const PRIMARY = 1;
export const SECONDARY = 2;

export type TFamilyCells = {
  /** Contributing rows per cell. */
  size: Float64Array;
  /** RELEASED, PRIMARY or SECONDARY per cell. */
  state: Uint8Array;
  /** Why each suppressed cell is suppressed. */
  why: string[];
  /**
   * Cells suppressed by the dominance rule: hiding enough rows does not protect them (their sum is
   * one contributor's), so a relation holding one needs a second suppressed cell besides.
   */
  dominated?: Uint8Array;
};

export type TRelation = {
  fines: TFamilyCells;
  fineCells: ArrayLike<number>;
  coarse: { cells: TFamilyCells; cell: number } | null;
  /** Said of the cells this relation makes suppress: "protects a suppressed cell against …". */
  against: string;
};

export function familyCells(size: Float64Array, minCellCount: number): TFamilyCells {
  const state = new Uint8Array(size.length);
  const why: string[] = [];
  for (let c = 0; c < size.length; c++) {
    if (size[c]! < minCellCount) {
      state[c] = PRIMARY;
      why[c] = `fewer than ${minCellCount} contributing rows`;
    }
  }
  return { size, state, why };
}

/** Applies secondary suppression over the relations until all are safe (or cannot be made so). */
export function suppressSecondary(relations: TRelation[], minCellCount: number): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const r of relations) if (repair(r, minCellCount)) changed = true;
  }
}

function repair(r: TRelation, minCellCount: number): boolean {
  const { size, state, why } = r.fines;
  let hidden = 0;
  let suppressed = 0;
  let isDominated = false;
  let anySuppressed = r.coarse !== null && r.coarse.cells.state[r.coarse.cell] !== RELEASED;
  for (let j = 0; j < r.fineCells.length; j++) {
    const c = r.fineCells[j]!;
    if (state[c] !== RELEASED) {
      anySuppressed = true;
      hidden += size[c]!;
      suppressed++;
      if (r.fines.dominated?.[c]) isDominated = true;
    }
  }
  let changed = false;
  while (anySuppressed && (hidden < minCellCount || (isDominated && suppressed < 2))) {
    let best = -1;
    for (let j = 0; j < r.fineCells.length; j++) {
      const c = r.fineCells[j]!;
      if (state[c] === RELEASED && (best < 0 || size[c]! < size[best]!)) best = c;
    }
    if (best < 0) break;
    state[best] = SECONDARY;
    why[best] = `protects a suppressed cell against ${r.against}`;
    hidden += size[best]!;
    suppressed++;
    changed = true;
  }
  return changed;
}
