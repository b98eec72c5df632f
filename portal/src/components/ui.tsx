import { type ComponentChildren, isValidElement, type JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../lib/api.ts';
import { t } from '../lib/i18n.ts';

/** An API failure in the reader's language, with what to do; the request id for support. */
export function ErrorNote({ error }: { error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [error]);
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const code = e?.code ?? 'UNKNOWN';
  const key = `errors.${code}`;
  const known = t(key) !== key;
  const message = known ? t(key) : t('errors.generic', { status: e?.status ?? '?' });
  return (
    <div class="note error" role="alert" tabIndex={-1} ref={ref}>
      <p>{message}</p>
      {e && e.errors.length > 0 && (
        <ul>
          {e.errors.slice(0, 20).map((f) => (
            <li key={f.path}>
              <code>{f.path.replace(/^body\./, '')}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
      {/* The server's own words only where the reader's language has nothing for this code. */}
      {e && !known && e.errors.length === 0 && e.detail && <p class="detail">{e.detail}</p>}
      {e?.retryAfter ? <p>{t('errors.retryAfter', { seconds: e.retryAfter })}</p> : null}
      {e?.requestId && <p class="muted small">{t('errors.requestId', { id: e.requestId })}</p>}
    </div>
  );
}

export function Field(props: {
  label: string;
  hint?: string;
  children: (id: string) => ComponentChildren;
  id?: string;
}) {
  const id = props.id ?? `f-${props.label.replace(/\W+/g, '-')}-${useId()}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children(id)}
      {props.hint && <small class="muted">{props.hint}</small>}
    </div>
  );
}

let nextId = 0;
function useId() {
  const [id] = useState(() => ++nextId);
  return id;
}

export function Loading() {
  return (
    <p class="muted" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}

/** Data loaded for a page: re-fetched when the key changes; errors become an ErrorNote. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error) => !ctl.signal.aborted && setState({ error, loading: false }),
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

/** A form action: pending state, its error, and the caller's success step. */
export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const go = async (...args: A): Promise<R | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await run(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setPending(false);
    }
  };
  return { go, pending, error, setError };
}

export function DataTable(props: {
  columns: string[];
  rows: unknown[][];
  caption?: string;
  numeric?: boolean[];
}) {
  return (
    // A table wider than the page scrolls: keyboard users must be able to reach it to scroll it.
    // biome-ignore lint/a11y/useSemanticElements: a labelled scroll region, not a document section
    // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
    <div class="table-wrap" role="region" aria-label={props.caption ?? t('common.table')} tabIndex={0}>
      <table>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
            <tr key={i}>
              {r.map((v, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                <td key={j} class={typeof v === 'number' || props.numeric?.[j] ? 'num' : undefined}>
                  {cell(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const cell = (v: unknown): ComponentChildren =>
  v === null || v === undefined ? (
    <span class="muted">∅</span>
  ) : isValidElement(v) ? (
    v
  ) : typeof v === 'object' ? (
    JSON.stringify(v)
  ) : (
    String(v)
  );

export function Badge(props: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge ${props.kind ?? ''}`}>{props.children}</span>;
}

export function Button(
  props: JSX.ButtonHTMLAttributes<HTMLButtonElement> & { pending?: boolean | undefined },
) {
  const { pending, children, ...rest } = props;
  return (
    <button
      type="button"
      {...rest}
      disabled={pending || props.disabled}
      aria-busy={pending ? 'true' : undefined}
    >
      {children}
    </button>
  );
}

/** A labelled text input (any input type), its value held by the caller. */
export function Input(props: {
  label: string;
  id: string;
  value: string;
  onValue: (v: string) => void;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  maxLength?: number;
}) {
  return (
    <Field label={props.label} id={props.id} {...(props.hint ? { hint: props.hint } : {})}>
      {(id) => (
        <input
          id={id}
          type={props.type ?? 'text'}
          required={props.required}
          autocomplete={props.autocomplete}
          maxLength={props.maxLength}
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A form whose submit runs `onSubmit` instead of leaving the page. */
export function Form(props: { onSubmit: () => unknown; class?: string; children: ComponentChildren }) {
  return (
    <form
      class={props.class ?? 'stack'}
      onSubmit={(e) => {
        e.preventDefault();
        void props.onSubmit();
      }}
    >
      {props.children}
    </form>
  );
}
