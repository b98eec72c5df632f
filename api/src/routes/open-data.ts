import type { Deps } from '../deps.ts';
import type { App } from '../http/env.ts';

export function registerOpenDataRoutes(_app: App, _deps: Deps) {}
