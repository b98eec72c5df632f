import type { TRole } from '../db/schema/index.ts';

/**
 * The authenticated caller, as every service sees it. `tokenId` is the API token's id, or the
 * session's id (`ses_…`) for a signed-in browser, so limits and logs key either the same way.
 */
export type TActor = { userId: string; orgId: string; role: TRole; tokenId: string };
