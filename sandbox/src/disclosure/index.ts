/** Disclosure control of sandbox runs: what a run may release, computed by the host from its own tables. */
export { computeAggregate, materializeResult } from './compute-aggregate.ts';
export { DisclosureError, type TDisclosureErrorCode } from './errors.ts';
export { recordKeys, type TRecordKeys } from './record-keys.ts';
export { releaseRun } from './release-run.ts';
export { filterProblem, hostSelection, withHostSelections } from './row-filter.ts';
export type {
  TDisclosurePolicy,
  TDisclosureReport,
  THostAggregate,
  THostGroupBy,
  THostHistogram,
  THostRegression,
  TLabel,
  TReleaseDecision,
  TReleasedGroupBy,
  TReleasedHistogram,
  TReleasedRegression,
  TReleaseInput,
} from './types.ts';
