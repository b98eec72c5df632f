/** Disclosure control of sandbox runs: what a run may release, computed by the host from its own tables. */
export { computeAggregate, materializeResult } from './compute-aggregate.ts';
export { DisclosureError, type TDisclosureErrorCode } from './errors.ts';
export { computeRelease, type TReleased, type TReleasePolicy } from './release-compute.ts';
export { planRelease, releaseProblem, type TReleasePlan } from './release-plan.ts';
export { hostSelection } from './row-filter.ts';
export { mapMarkers, markerIds } from './scan-result.ts';
export { schemaOf } from './table-access.ts';
export type {
  TDisclosureReport,
  THostAggregate,
  THostGroupBy,
  THostHistogram,
  THostRegression,
  TLabel,
  TReleasedGroupBy,
  TReleasedHistogram,
  TReleasedRegression,
} from './types.ts';
