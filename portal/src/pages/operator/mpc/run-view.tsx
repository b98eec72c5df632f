import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../../../lib/api.ts';
import { fmtBytes, fmtNumber, t } from '../../../lib/i18n.ts';
import type { THeOutput, TProgress, TPsiOutput, TStage, TStageDetail } from './types.ts';

type TEngine = typeof import('./engine.ts');

/** The stages each computation shows, in order. */
export const STAGES: Record<'he' | 'psi', TStage[]> = {
  he: ['keys', 'encrypt', 'upload', 'compute', 'decrypt'],
  psi: ['prepare', 'hash', 'blind', 'answer', 'send', 'join'],
};

type TStageState = { state: 'waiting' | 'active' | 'done'; detail: TStageDetail; ms: number | null };

export type TRunState =
  | { phase: 'idle' }
  | {
      phase: 'running' | 'done' | 'failed';
      kind: 'he' | 'psi';
      stages: Partial<Record<TStage, TStageState>>;
      error?: unknown;
      he?: THeOutput;
      psi?: TPsiOutput;
      ms: number;
    };

/**
 * One computation at a time: the engine chunk (SEAL's WebAssembly and the SDK) is loaded on the
 * first run, then the run reports its stages as it goes.
 */
export function useRun() {
  const [state, setState] = useState<TRunState>({ phase: 'idle' });
  const generation = useRef(0);
  const start = async (
    kind: 'he' | 'psi',
    go: (engine: TEngine, progress: TProgress) => Promise<THeOutput | TPsiOutput>,
  ) => {
    const mine = ++generation.current;
    const began = performance.now();
    const stageStart: Partial<Record<TStage, number>> = {};
    const stages = Object.fromEntries(
      STAGES[kind].map((s) => [s, { state: 'waiting', detail: {}, ms: null } as TStageState]),
    );
    setState({ phase: 'running', kind, stages, ms: 0 });
    const update = (f: (s: Extract<TRunState, { kind: 'he' | 'psi' }>) => Partial<TRunState>) => {
      if (generation.current !== mine) return;
      setState((s) => (s.phase === 'idle' ? s : ({ ...s, ...f(s) } as TRunState)));
    };
    const progress: TProgress = (stage, st, detail = {}) => {
      stageStart[stage] ??= performance.now();
      const ms = st === 'done' ? performance.now() - stageStart[stage]! : null;
      update((s) => ({
        stages: {
          ...s.stages,
          [stage]: { state: st, detail: { ...s.stages[stage]?.detail, ...detail }, ms },
        },
      }));
    };
    try {
      const engine = await import('./engine.ts');
      const out = await go(engine, progress);
      const ms = performance.now() - began;
      update(() => ({
        phase: 'done',
        ms,
        ...(kind === 'he' ? { he: out as THeOutput } : { psi: out as TPsiOutput }),
      }));
    } catch (error) {
      // Anything but an API refusal is the engine failing to load or run in this browser.
      const shown = error instanceof ApiError ? error : new ApiError(0, 'MPC_ENGINE', String(error), null);
      update(() => ({ phase: 'failed', error: shown, ms: performance.now() - began }));
    }
  };
  return {
    state,
    start,
    reset: () => {
      generation.current++;
      setState({ phase: 'idle' });
    },
  };
}

function detailOf(stage: TStage, s: TStageState): string {
  const d = s.detail;
  const parts: string[] = [];
  if (stage === 'keys' && s.state === 'done')
    parts.push(t(d.reused ? 'mpc.stage.keysReused' : 'mpc.stage.keysMade', { set: d.paramSet }));
  if (d.total !== undefined && d.done !== undefined && s.state === 'active')
    parts.push(t('mpc.stage.count', { done: fmtNumber(d.done), total: fmtNumber(d.total) }));
  else if (d.total !== undefined) parts.push(t(`mpc.stage.total.${stage}`, { n: fmtNumber(d.total) }));
  if (d.bytes !== undefined) parts.push(fmtBytes(d.bytes));
  if (s.ms !== null) parts.push(t('mpc.stage.ms', { ms: fmtNumber(Math.round(s.ms)) }));
  return parts.join(' · ');
}

/** The stages of the run, each waiting, under way or done, with counts, sizes and times. */
export function ProgressList({ state }: { state: Exclude<TRunState, { phase: 'idle' }> }) {
  const failedAt =
    state.phase === 'failed' ? STAGES[state.kind].find((s) => state.stages[s]?.state === 'active') : null;
  return (
    <ol class="mpc-stages" aria-label={t('mpc.run.progress')} data-testid="mpc-progress">
      {STAGES[state.kind].map((stage) => {
        const s = state.stages[stage]!;
        const mark = stage === failedAt ? 'failed' : s.state;
        const { done, total } = s.detail;
        return (
          <li key={stage} class={`stage ${mark}`} data-stage={stage} data-state={mark}>
            <span class="mark" aria-hidden="true">
              {mark === 'done' ? '✓' : mark === 'active' ? '…' : mark === 'failed' ? '✕' : '○'}
            </span>{' '}
            <span>{t(`mpc.stage.${stage}`)}</span>{' '}
            <span class="muted small">
              ({t(`mpc.stage.state.${mark}`)}){detailOf(stage, s) ? ` · ${detailOf(stage, s)}` : ''}
            </span>
            {mark === 'active' && total ? (
              <progress max={total} value={done ?? 0} aria-label={t(`mpc.stage.${stage}`)} />
            ) : null}
          </li>
        );
      })}
      {state.phase === 'running' && (
        <li class="muted small" aria-live="polite">
          {t('mpc.run.running')}
        </li>
      )}
    </ol>
  );
}
