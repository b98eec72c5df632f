import { useEffect, useRef } from 'preact/hooks';
import { ErrorNote } from '../../../components/ui.tsx';
import { ApiError } from '../../../lib/api.ts';
import { t } from '../../../lib/i18n.ts';

/**
 * A failure of a joint computation in the reader's language: codes of this area (the SDK's and the
 * computation's) from `mpc.errors`, with the detail and the request id; any other through ErrorNote.
 */
export function MpcErrorNote({ error }: { error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  const e = error instanceof ApiError ? error : null;
  const key = `mpc.errors.${e?.code}`;
  const isOwn = e !== null && t(key) !== key;
  useEffect(() => {
    if (isOwn) ref.current?.focus();
  }, [error, isOwn]);
  if (!isOwn) return <ErrorNote error={error} />;
  return (
    <div class="note error" role="alert" tabIndex={-1} ref={ref} data-code={e.code}>
      <p>{t(key)}</p>
      {e.detail && <p class="detail">{e.detail}</p>}
      {e.requestId && <p class="muted small">{t('errors.requestId', { id: e.requestId })}</p>}
    </div>
  );
}
