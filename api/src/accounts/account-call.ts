import type { TActor } from '../auth/actor.ts';

/** Who calls an account service, and the request it serves. */
export type TAccountCall = { actor: TActor | null; requestId: string };

/** What the answer to a sign-in, a registration and `GET /v1/session` says about the user. */
export type TSessionUser = {
  id: string;
  orgId: string;
  orgName: string;
  name: string;
  login: string | null;
  role: TActor['role'];
};
