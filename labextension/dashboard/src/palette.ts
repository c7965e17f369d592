/** Line colours and the chart series type shared by the chart view and its callers. */
import type { XY } from './chart.js';

export interface ChartSeries extends XY {
  readonly label: string;
  readonly color: string;
}

/** Distinct on light and dark backgrounds; series i gets PALETTE[i % n]. */
export const PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f'
];
