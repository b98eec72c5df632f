import type { Deps } from '../deps.ts';

export async function seedDemo(_deps: Deps, _opts: { ifEmpty: boolean; progress: (m: string) => void }) {}
