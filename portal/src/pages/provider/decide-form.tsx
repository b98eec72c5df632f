import type { ComponentChildren } from 'preact';
import { Button, ErrorNote, Field, Form } from '../../components/ui.tsx';
import { t } from '../../lib/i18n.ts';

/**
 * Approve or reject with a reason (required to reject, optional to approve), after any fields of
 * the decision given as children: applications, sharing requests and held outputs decide alike.
 */
export function DecideForm(props: {
  id: string;
  reason: string;
  onReason: (v: string) => void;
  action: { go: (d: 'approve' | 'reject') => unknown; pending: boolean; error: unknown };
  /** Whose strings: `provider.<area>.reason`, `.reasonHint`, `.approve`, `.reject`. */
  area: 'decisions' | 'reviews';
  children?: ComponentChildren;
}) {
  const { action, area } = props;
  const label = (k: string) => t(`provider.${area}.${k}`);
  return (
    <Form onSubmit={() => action.go('approve')}>
      {props.children}
      <Field label={label('reason')} id={`${props.id}-reason`} hint={label('reasonHint')}>
        {(id) => (
          <textarea
            id={id}
            rows={2}
            value={props.reason}
            onInput={(e) => props.onReason(e.currentTarget.value)}
          />
        )}
      </Field>
      <ErrorNote error={action.error} />
      <div class="row">
        <Button type="submit" pending={action.pending}>
          {label('approve')}
        </Button>
        <Button class="secondary danger" pending={action.pending} onClick={() => action.go('reject')}>
          {label('reject')}
        </Button>
      </div>
    </Form>
  );
}

/** A labelled number input whose text the caller holds (empty: not set). */
export function NumberField(props: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
  min: number;
  isInteger?: boolean;
}) {
  return (
    <Field label={props.label} id={props.id} {...(props.hint ? { hint: props.hint } : {})}>
      {(id) => (
        <input
          id={id}
          type="number"
          min={props.min}
          step={props.isInteger ? 1 : 'any'}
          inputMode={props.isInteger ? 'numeric' : 'decimal'}
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}
