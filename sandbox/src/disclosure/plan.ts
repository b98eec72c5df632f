import type { TAggregateRequest, TTable } from '../types.ts';
import { buildFrame, type TColumnNeeds, type TFrame } from './group-frame.ts';
import { checkEdges, histogramCells, type THistogramCells } from './histogram.ts';
import { addNeeds, checkGroupBy, measureFamily, type TGroupByRequest } from './measures.ts';
import { regressionCells, type TRegressionCells } from './regression.ts';
import { familyCells, type TFamilyCells, type TRelation } from './suppress.ts';
import { checkKind, findTable, normalizeSelection, selectionId } from './table-access.ts';

type THistogramRequest = Extract<TAggregateRequest, { kind: 'histogram' }>;
type TRegressionRequest = Extract<TAggregateRequest, { kind: 'regression' }>;

/** The cells of every group-by over one table, one set of selected rows and one set of grouping columns. */
export type TFrameEntry = {
  frame: TFrame;
  requests: TGroupByRequest[];
  /** Suppression state per family (`rows`, `col:<c>`) of the requests' measures. */
  families: Map<string, TFamilyCells>;
};

export type THistogramEntry = {
  requests: THistogramRequest[];
  edges: number[];
  cells: THistogramCells;
  bins: TFamilyCells;
};

export type TRegressionEntry = {
  requests: TRegressionRequest[];
  x: string[];
  cells: TRegressionCells;
  /** max(minCellCount, 10 × (#x + 1)) complete rows are needed. */
  threshold: number;
};

export type TPlan = {
  frames: TFrameEntry[];
  histograms: THistogramEntry[];
  regressions: TRegressionEntry[];
  /** Where each request's numbers come from. */
  byRequest: Map<number, TFrameEntry | THistogramEntry | TRegressionEntry>;
};

/**
 * Computes every requested aggregate from the host's tables, sharing the work between requests
 * over the same cells (same table, same selected rows, same grouping), and applies primary and
 * secondary suppression across all of them.
 */
export function planRelease(
  requests: TAggregateRequest[],
  tables: readonly TTable[],
  opts: { minCellCount: number; isDp: boolean; cellKeySecret: Uint8Array | null },
): TPlan {
  const byRequest: TPlan['byRequest'] = new Map();
  const pendingFrames = new Map<
    string,
    {
      table: TTable;
      selection: Uint8Array | null;
      sid: string;
      columns: string[];
      requests: TGroupByRequest[];
      needs: Map<string, TColumnNeeds>;
    }
  >();
  const histograms = new Map<string, THistogramEntry>();
  const regressions = new Map<string, TRegressionEntry>();
  for (const req of requests) {
    checkKind(req);
    const table = findTable(tables, req.table);
    const selection = normalizeSelection(table, req.selection);
    const sid = selectionId(selection);
    if (req.kind === 'groupBy') {
      const columns = checkGroupBy(req, table);
      const key = JSON.stringify([table.name, sid, columns]);
      let p = pendingFrames.get(key);
      if (!p) {
        p = { table, selection, sid, columns, requests: [], needs: new Map() };
        pendingFrames.set(key, p);
      }
      p.requests.push(req);
      addNeeds(p.needs, req, table, { isDp: opts.isDp, isHost: false });
    } else if (req.kind === 'histogram') {
      const edges = checkEdges(req.edges);
      const key = JSON.stringify([table.name, sid, req.column, edges]);
      let h = histograms.get(key);
      if (!h) {
        const cells = histogramCells(table, selection, req.column, edges, opts.cellKeySecret);
        h = { requests: [], edges, cells, bins: familyCells(cells.counts, opts.minCellCount) };
        histograms.set(key, h);
      }
      h.requests.push(req);
      byRequest.set(req.id, h);
    } else {
      const key = JSON.stringify([table.name, sid, req.y, req.x]);
      let r = regressions.get(key);
      if (!r) {
        const cells = regressionCells(table, selection, req.y, req.x, opts.cellKeySecret);
        r = {
          requests: [],
          x: [...req.x],
          cells,
          threshold: Math.max(opts.minCellCount, 10 * (req.x.length + 1)),
        };
        regressions.set(key, r);
      }
      r.requests.push(req);
      byRequest.set(req.id, r);
    }
  }
  const frames: TFrameEntry[] = [];
  for (const p of pendingFrames.values()) {
    const frame = buildFrame(p.table, p.selection, p.sid, p.columns, p.needs, opts.cellKeySecret);
    const families = new Map<string, TFamilyCells>();
    for (const req of p.requests) {
      for (const m of req.measures) {
        const f = measureFamily(m);
        if (families.has(f)) continue;
        const size = m.column === undefined ? frame.n : frame.stats.get(m.column)!.n;
        families.set(f, familyCells(size, opts.minCellCount));
      }
    }
    const entry = { frame, requests: p.requests, families };
    frames.push(entry);
    for (const req of p.requests) byRequest.set(req.id, entry);
  }
  return { frames, histograms: [...histograms.values()], regressions: [...regressions.values()], byRequest };
}

/**
 * The relations secondary suppression must keep safe (see suppress.ts): each table's cells against
 * its total, and each group-by's cells against every coarser group-by of the same rows.
 */
export function relationsOf(plan: TPlan): TRelation[] {
  const relations: TRelation[] = [];
  const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  for (const e of plan.frames) {
    const cells = all(e.frame.groupCount);
    for (const fam of e.families.values()) {
      relations.push({ fines: fam, fineCells: cells, coarse: null, against: 'the total of its table' });
    }
  }
  for (const h of plan.histograms) {
    relations.push({
      fines: h.bins,
      fineCells: all(h.bins.size.length),
      coarse: null,
      against: 'the total of its histogram',
    });
  }
  for (const fine of plan.frames) {
    for (const coarse of plan.frames) {
      if (!isMarginOf(coarse.frame, fine.frame)) continue;
      const shared = [...fine.families.keys()].filter((f) => coarse.families.has(f));
      if (shared.length === 0) continue;
      const parent = new Int32Array(fine.frame.groupCount);
      const { gid: fg } = fine.frame;
      const { gid: cg } = coarse.frame;
      for (let i = 0; i < fg.length; i++) if (fg[i]! >= 0) parent[fg[i]!] = cg[i]!;
      const members: number[][] = Array.from({ length: coarse.frame.groupCount }, () => []);
      for (let c = 0; c < parent.length; c++) members[parent[c]!]!.push(c);
      const against =
        coarse.frame.columns.length === 0
          ? 'a total of the same rows'
          : `the margin by ${coarse.frame.columns.join(', ')}`;
      for (const f of shared) {
        for (let b = 0; b < members.length; b++) {
          relations.push({
            fines: fine.families.get(f)!,
            fineCells: members[b]!,
            coarse: { cells: coarse.families.get(f)!, cell: b },
            against,
          });
        }
      }
    }
  }
  return relations;
}

function isMarginOf(coarse: TFrame, fine: TFrame): boolean {
  return (
    coarse.table === fine.table &&
    coarse.selectionId === fine.selectionId &&
    coarse.columns.length < fine.columns.length &&
    coarse.columns.every((c) => fine.columns.includes(c))
  );
}
