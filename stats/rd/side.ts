/**
 * One side of the cut-off: its observations sorted by score, the columns of the regression (outcome,
 * first stage, covariates), and each score's tie-group for the nearest-neighbour variance. Kernel windows
 * are contiguous runs of a side, because weights fall with the distance to the cut-off.
 */
import { kernelWeight, type RdKernel } from './kernel.js';

export interface RdSide {
  /** Scores, ascending. */
  readonly x: Float64Array;
  /** The columns D = (y, treatment when fuzzy, covariates…), each of the side's length. */
  readonly columns: readonly Float64Array[];
  /** How many observations share each observation's score, and its 1-based place among them. */
  readonly tieSize: Int32Array;
  readonly tiePlace: Int32Array;
  /** Whether columns[1] is a first-stage treatment column. */
  readonly hasTreatment: boolean;
  readonly covariateCount: number;
}

/** A run [start, end) of a side with its kernel weights. */
export interface RdWindow {
  readonly side: RdSide;
  readonly start: number;
  readonly end: number;
  readonly weights: Float64Array;
}

export function tieGroups(x: Float64Array): { tieSize: Int32Array; tiePlace: Int32Array } {
  const tieSize = new Int32Array(x.length);
  const tiePlace = new Int32Array(x.length);
  let start = 0;
  while (start < x.length) {
    let end = start + 1;
    while (end < x.length && x[end] === x[start]) end++;
    for (let i = start; i < end; i++) {
      tieSize[i] = end - start;
      tiePlace[i] = i - start + 1;
    }
    start = end;
  }
  return { tieSize, tiePlace };
}

/** The observations of a side with positive kernel weight at bandwidth h. */
export function kernelWindow(side: RdSide, kernel: RdKernel, cutoff: number, h: number): RdWindow {
  const { x } = side;
  let start = 0;
  while (start < x.length && !(kernelWeight(kernel, x[start], cutoff, h) > 0)) start++;
  let end = start;
  while (end < x.length && kernelWeight(kernel, x[end], cutoff, h) > 0) end++;
  const weights = new Float64Array(end - start);
  for (let i = start; i < end; i++) weights[i - start] = kernelWeight(kernel, x[i], cutoff, h);
  return { side, start, end, weights };
}

/** The same run with another bandwidth's weights (zero outside that bandwidth). */
export function reweighted(window: RdWindow, kernel: RdKernel, cutoff: number, h: number): RdWindow {
  const weights = new Float64Array(window.end - window.start);
  for (let i = window.start; i < window.end; i++) weights[i - window.start] = kernelWeight(kernel, window.side.x[i], cutoff, h);
  return { ...window, weights };
}

export function windowSize(window: RdWindow): number {
  return window.end - window.start;
}

export function windowColumn(window: RdWindow, column: number): Float64Array {
  return window.side.columns[column].subarray(window.start, window.end);
}

export function windowScores(window: RdWindow): Float64Array {
  return window.side.x.subarray(window.start, window.end);
}
