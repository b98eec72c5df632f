import type { TRole } from '../db/schema/index.ts';

/** The authenticated caller, as every service sees it. */
export type TActor = { userId: string; orgId: string; role: TRole; tokenId: string };
