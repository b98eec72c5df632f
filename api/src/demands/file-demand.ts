import { demands } from '../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { invalid } from '../errors.ts';
import { newId } from '../lib/ids.ts';
import { newFollowToken } from '../notifications/follow-token.ts';
import { recordDemandChange, type TDemandCall, type TDemandRow } from './record-demand-change.ts';

export type TDemandInput = {
  title: string;
  purpose: string;
  suggestedHolder?: string | undefined;
  /** An e-mail address or phone number, already checked for its shape. */
  contact?: string | undefined;
};

/**
 * Files a demand for data (需求清单). A signed-in filer is told of changes by user; an anonymous
 * one must leave a contact and gets a follow token, returned here once and kept only as a hash.
 * The demand is `open` on the board until routed or claimed.
 */
export async function fileDemand(
  deps: Deps,
  call: TDemandCall,
  input: TDemandInput,
): Promise<{ demand: TDemandRow; followToken: string | null }> {
  if (!call.actor && !input.contact) {
    throw invalid([
      { path: 'body.contact', message: 'required without a token, so the department can ask back' },
    ]);
  }
  const follow = call.actor ? null : newFollowToken();
  const at = deps.clock.now();
  const demand = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(demands)
      .values({
        id: newId('dm'),
        title: input.title,
        purpose: input.purpose,
        suggestedHolder: input.suggestedHolder ?? null,
        filedBy: call.actor?.userId ?? null,
        contact: input.contact ?? null,
        followHash: follow?.hash ?? null,
        status: 'open',
        createdAt: at,
      })
      .returning();
    await recordDemandChange(tx, call, {
      kind: 'filed',
      after: row!,
      org: null,
      details: { title: input.title, hasContact: !!input.contact },
      at,
    });
    return row!;
  });
  return { demand, followToken: follow?.token ?? null };
}
