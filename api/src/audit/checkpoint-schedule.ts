import type { Deps } from '../deps.ts';
import { issueCheckpoint } from './issue-checkpoint.ts';

/**
 * Issues a checkpoint now and then every `settings.audit.checkpointIntervalMs` while the log grows
 * (none if the interval is 0). Several API processes may each run one: a size is kept once.
 */
export function startCheckpointSchedule(deps: Deps): { stop(): Promise<void> } {
  const intervalMs = deps.settings.audit.checkpointIntervalMs;
  if (intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running
      .then(() => issueCheckpoint(deps))
      .then(
        ({ checkpoint, isNew }) => {
          if (isNew) deps.logger.info('audit checkpoint issued', { size: checkpoint.size });
        },
        (err) => deps.logger.error('audit checkpoint failed', { error: String(err) }),
      );
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
