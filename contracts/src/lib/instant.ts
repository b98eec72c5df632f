import { ContractError } from '../errors.ts';

/** `now` as ISO 8601 UTC, refusing an invalid Date rather than storing "Invalid Date". */
export function instant(now: Date): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new ContractError('CONTRACT_KEY_RING_INVALID', 'now must be a valid Date');
  }
  return now.toISOString();
}
