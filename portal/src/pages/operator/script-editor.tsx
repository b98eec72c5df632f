import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../lib/i18n.ts';
import type { TEditor } from './codemirror-setup.ts';
import type { TSdkTable } from './sdk-surface.ts';

/**
 * A JavaScript editor with SDK completions, CodeMirror loaded on first show; a plain text area if
 * it cannot load. `value` seeds it; `reset` (a counter) replaces its text with `value`.
 */
export function ScriptEditor(props: {
  value: string;
  reset: number;
  tables: TSdkTable[];
  onChange: (text: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<TEditor | null>(null);
  const tables = useRef(props.tables);
  tables.current = props.tables;
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading');
  useEffect(() => {
    let gone = false;
    import('./codemirror-setup.ts').then(
      ({ createEditor }) => {
        if (gone || !host.current) return;
        editor.current = createEditor(host.current, {
          doc: props.value,
          label: t('operator.script.editorLabel'),
          tables: () => tables.current,
          onChange: (text) => onChange.current(text),
        });
        setState('ready');
      },
      () => setState('failed'),
    );
    return () => {
      gone = true;
      editor.current?.destroy();
      editor.current = null;
    };
  }, []);
  useEffect(() => {
    if (props.reset > 0) editor.current?.setDoc(props.value);
  }, [props.reset]);
  if (state === 'failed')
    return (
      <>
        <p class="note">{t('operator.script.editorFailed')}</p>
        <textarea
          aria-label={t('operator.script.editorLabel')}
          rows={16}
          class="op-code"
          value={props.value}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      </>
    );
  return (
    <div class="op-editor" data-testid="script-editor">
      {state === 'loading' && <p class="muted">{t('common.loading')}</p>}
      <div ref={host} />
    </div>
  );
}
