/**
 * The column layout every estimator reads: one entry per unit-period observation,
 * units and periods coded densely so that arrays can be indexed without maps.
 */
export interface StaggeredPanel {
  /** Dense unit index per observation, 0..unitCount-1. */
  readonly unit: Int32Array;
  /** Dense period index per observation, 0..periods.length-1. */
  readonly period: Int32Array;
  /** Outcome per observation. */
  readonly outcome: Float64Array;
  /** Calendar value of each period index, ascending. */
  readonly periods: Int32Array;
  /** First treated period (calendar value) per unit; 0 means never treated. */
  readonly cohortOfUnit: Int32Array;
  readonly unitCount: number;
}

export class PanelShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PanelShapeError';
  }
}

export function observationCount(panel: StaggeredPanel): number {
  return panel.outcome.length;
}

export function assertPanelShape(panel: StaggeredPanel): void {
  const n = panel.outcome.length;
  if (panel.unit.length !== n || panel.period.length !== n)
    throw new PanelShapeError(`unit (${panel.unit.length}), period (${panel.period.length}) and outcome (${n}) arrays differ in length`);
  if (panel.cohortOfUnit.length !== panel.unitCount)
    throw new PanelShapeError(`cohortOfUnit has ${panel.cohortOfUnit.length} entries for ${panel.unitCount} units`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(panel.outcome[i]))
      throw new PanelShapeError(`outcome of observation ${i} is not a finite number (${panel.outcome[i]})`);
  }
}
