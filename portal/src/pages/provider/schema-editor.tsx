import type { ComponentChildren } from 'preact';
import { Button, ErrorNote, Form } from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';
import { t } from '../../lib/i18n.ts';
import { FREQUENCIES, THEMES } from '../../lib/types.ts';
import {
  COLUMN_TYPES,
  COMPARE_OPS,
  emptyColumn,
  emptyRule,
  errorsByPath,
  OPENNESS,
  RULE_KINDS,
  SENSITIVITIES,
  SHARING,
  type TColumnDraft,
  type TDatasetDraft,
  type TRuleDraft,
} from './schema-model.ts';

type TErrors = Map<string, string>;

/**
 * One labelled control with the API's message for its path beneath it. The control gets the id,
 * and `aria-invalid`/`aria-describedby` when there is a message.
 */
function Ctl(props: {
  id: string;
  label: string;
  errors: TErrors;
  path: string;
  hint?: string;
  children: (a: { id: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string }) => ComponentChildren;
}) {
  const message = props.errors.get(props.path);
  const errId = `${props.id}-err`;
  const hintId = `${props.id}-hint`;
  const describedBy = [message ? errId : '', props.hint ? hintId : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${message ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children({
        id: props.id,
        ...(message ? { 'aria-invalid': 'true' as const } : {}),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {props.hint && (
        <small class="muted" id={hintId}>
          {props.hint}
        </small>
      )}
      {message && (
        <small class="field-error" id={errId} data-path={props.path}>
          {message}
        </small>
      )}
    </div>
  );
}

/** The entry's metadata and its columns, as a form; `onSave` sends it. */
export function SchemaEditor(props: {
  draft: TDatasetDraft;
  onChange: (d: TDatasetDraft) => void;
  isNew: boolean;
  onSave: () => unknown;
  pending: boolean;
  error: unknown;
}) {
  const { draft: d, onChange } = props;
  const errors = errorsByPath(props.error instanceof ApiError ? props.error.errors : []);
  const set = <K extends keyof TDatasetDraft>(k: K, v: TDatasetDraft[K]) => onChange({ ...d, [k]: v });
  const setColumn = (i: number, c: TColumnDraft) =>
    onChange({ ...d, columns: d.columns.map((x, j) => (j === i ? c : x)) });
  const text = (k: keyof TDatasetDraft, label: string, opts: { hint?: string; long?: boolean } = {}) => (
    <Ctl id={`ds-${k}`} label={label} errors={errors} path={k} {...(opts.hint ? { hint: opts.hint } : {})}>
      {(a) =>
        opts.long ? (
          <textarea
            {...a}
            rows={3}
            value={d[k] as string}
            onInput={(e) => set(k, e.currentTarget.value as never)}
          />
        ) : (
          <input {...a} value={d[k] as string} onInput={(e) => set(k, e.currentTarget.value as never)} />
        )
      }
    </Ctl>
  );
  const choice = (
    k: keyof TDatasetDraft,
    label: string,
    values: readonly string[],
    show: (v: string) => string,
  ) => (
    <Ctl id={`ds-${k}`} label={label} errors={errors} path={k}>
      {(a) => (
        <select {...a} value={d[k] as string} onChange={(e) => set(k, e.currentTarget.value as never)}>
          {values.map((v) => (
            <option key={v} value={v}>
              {show(v)}
            </option>
          ))}
        </select>
      )}
    </Ctl>
  );
  return (
    <Form onSubmit={props.onSave} class="stack schema-editor">
      <fieldset>
        <legend>{t('provider.editor.about')}</legend>
        {props.isNew && text('slug', t('provider.editor.slug'), { hint: t('provider.editor.slugHint') })}
        <div class="grid2">
          {text('title', t('provider.editor.title'))}
          {text('titleEn', t('provider.editor.titleEn'))}
          {text('description', t('provider.editor.description'), { long: true })}
          {text('descriptionEn', t('provider.editor.descriptionEn'), { long: true })}
        </div>
        <div class="grid3">
          {choice('theme', t('provider.editor.theme'), THEMES, (v) => t(`theme.${v}`))}
          {choice('updateFrequency', t('provider.editor.frequency'), FREQUENCIES, (v) => t(`frequency.${v}`))}
          {text('tags', t('provider.editor.tags'), { hint: t('provider.editor.tagsHint') })}
          {text('license', t('provider.editor.license'))}
          {choice('classification', t('provider.editor.classification'), ['1', '2', '3', '4'], (v) =>
            t('classification.level', { n: v }),
          )}
          {choice('openness', t('provider.editor.openness'), OPENNESS, (v) => t(`openness.${v}`))}
          {choice('sharing', t('provider.editor.sharing'), ['', ...SHARING], (v) =>
            v ? t(`sharing.${v}`) : t('provider.editor.sharingDefault'),
          )}
        </div>
        {d.sharing && d.sharing !== 'unconditional'
          ? text('sharingBasis', t('provider.editor.sharingBasis'), {
              long: true,
              hint: t('provider.editor.sharingBasisHint'),
            })
          : null}
      </fieldset>

      <h2>{t('provider.editor.columns')}</h2>
      {errors.get('columns') && (
        <p class="field-error" data-path="columns">
          {errors.get('columns')}
        </p>
      )}
      {d.columns.map((c, i) => (
        <ColumnEditor
          key={c.key}
          c={c}
          i={i}
          all={d.columns}
          errors={errors}
          onChange={(x) => setColumn(i, x)}
          onRemove={
            d.columns.length > 1
              ? () => onChange({ ...d, columns: d.columns.filter((_, j) => j !== i) })
              : undefined
          }
        />
      ))}
      <p>
        <Button class="secondary" onClick={() => onChange({ ...d, columns: [...d.columns, emptyColumn()] })}>
          {t('provider.editor.addColumn')}
        </Button>
      </p>
      <ErrorNote error={props.error} />
      <Button type="submit" pending={props.pending}>
        {props.isNew ? t('provider.editor.create') : t('provider.editor.save')}
      </Button>
    </Form>
  );
}

function ColumnEditor(props: {
  c: TColumnDraft;
  i: number;
  all: TColumnDraft[];
  errors: TErrors;
  onChange: (c: TColumnDraft) => void;
  onRemove: (() => void) | undefined;
}) {
  const { c, i, errors } = props;
  const p = `columns.${i}`;
  const id = (k: string) => `col-${c.key}-${k}`;
  const set = <K extends keyof TColumnDraft>(k: K, v: TColumnDraft[K]) => props.onChange({ ...c, [k]: v });
  const name = c.name || t('provider.editor.columnN', { n: i + 1 });
  const numeric = c.type === 'integer' || c.type === 'number';
  const canHaveCodes =
    c.type === 'string' || c.type === 'integer' || c.type === 'date' || c.type === 'timestamp';
  return (
    <fieldset class="column">
      <legend>{t('provider.editor.columnLegend', { n: i + 1, name })}</legend>
      <div class="grid3">
        <Ctl
          id={id('name')}
          label={t('provider.editor.colName')}
          errors={errors}
          path={`${p}.name`}
          hint={t('provider.editor.colNameHint')}
        >
          {(a) => <input {...a} value={c.name} onInput={(e) => set('name', e.currentTarget.value)} />}
        </Ctl>
        <Ctl id={id('type')} label={t('provider.editor.colType')} errors={errors} path={`${p}.type`}>
          {(a) => (
            <select
              {...a}
              value={c.type}
              onChange={(e) => set('type', e.currentTarget.value as TColumnDraft['type'])}
            >
              {COLUMN_TYPES.map((v) => (
                <option key={v} value={v}>
                  {t(`type.${v}`)}
                </option>
              ))}
            </select>
          )}
        </Ctl>
        <Ctl
          id={id('sensitivity')}
          label={t('provider.editor.colSensitivity')}
          errors={errors}
          path={`${p}.sensitivity`}
        >
          {(a) => (
            <select
              {...a}
              value={c.sensitivity}
              onChange={(e) => set('sensitivity', e.currentTarget.value as TColumnDraft['sensitivity'])}
            >
              {SENSITIVITIES.map((v) => (
                <option key={v} value={v}>
                  {t(`sensitivity.${v}`)}
                </option>
              ))}
            </select>
          )}
        </Ctl>
        <Ctl
          id={id('description')}
          label={t('provider.editor.colDescription')}
          errors={errors}
          path={`${p}.description`}
        >
          {(a) => (
            <input {...a} value={c.description} onInput={(e) => set('description', e.currentTarget.value)} />
          )}
        </Ctl>
        <Ctl id={id('unit')} label={t('provider.editor.colUnit')} errors={errors} path={`${p}.unit`}>
          {(a) => <input {...a} value={c.unit} onInput={(e) => set('unit', e.currentTarget.value)} />}
        </Ctl>
        <div class="field checkbox">
          <label>
            <input
              type="checkbox"
              checked={c.nullable}
              onChange={(e) => set('nullable', e.currentTarget.checked)}
            />{' '}
            {t('provider.editor.colNullable')}
          </label>
        </div>
        {numeric && (
          <>
            <Ctl id={id('min')} label={t('provider.editor.colMin')} errors={errors} path={`${p}.min`}>
              {(a) => (
                <input
                  {...a}
                  inputMode="decimal"
                  value={c.min}
                  onInput={(e) => set('min', e.currentTarget.value)}
                />
              )}
            </Ctl>
            <Ctl id={id('max')} label={t('provider.editor.colMax')} errors={errors} path={`${p}.max`}>
              {(a) => (
                <input
                  {...a}
                  inputMode="decimal"
                  value={c.max}
                  onInput={(e) => set('max', e.currentTarget.value)}
                />
              )}
            </Ctl>
          </>
        )}
      </div>
      {canHaveCodes && (
        <Ctl
          id={id('codes')}
          label={t('provider.editor.colCodes')}
          errors={errors}
          path={`${p}.codes`}
          hint={t('provider.editor.codesHint')}
        >
          {(a) => (
            <textarea {...a} rows={3} value={c.codes} onInput={(e) => set('codes', e.currentTarget.value)} />
          )}
        </Ctl>
      )}
      <h3 class="small">{t('provider.editor.rules')}</h3>
      {c.rules.map((r, k) => (
        <RuleEditor
          key={k}
          r={r}
          idBase={`${id('rule')}-${k}`}
          path={`${p}.rules.${k}`}
          others={props.all.filter((x) => x !== c && x.name).map((x) => x.name)}
          errors={errors}
          onChange={(x) =>
            set(
              'rules',
              c.rules.map((y, j) => (j === k ? x : y)),
            )
          }
          onRemove={() =>
            set(
              'rules',
              c.rules.filter((_, j) => j !== k),
            )
          }
          label={t('provider.editor.ruleN', { n: k + 1, column: name })}
        />
      ))}
      <p class="row">
        <Button class="secondary" onClick={() => set('rules', [...c.rules, emptyRule()])}>
          {t('provider.editor.addRule', { column: name })}
        </Button>
        {props.onRemove && (
          <Button class="secondary danger" onClick={props.onRemove}>
            {t('provider.editor.removeColumn', { column: name })}
          </Button>
        )}
      </p>
    </fieldset>
  );
}

function RuleEditor(props: {
  r: TRuleDraft;
  idBase: string;
  path: string;
  label: string;
  others: string[];
  errors: TErrors;
  onChange: (r: TRuleDraft) => void;
  onRemove: () => void;
}) {
  const { r, idBase, path, errors } = props;
  const set = <K extends keyof TRuleDraft>(k: K, v: TRuleDraft[K]) => props.onChange({ ...r, [k]: v });
  const listId = `${idBase}-cols`;
  return (
    <fieldset class="rule">
      <legend class="sr-only">{props.label}</legend>
      <div class="row">
        <Ctl
          id={`${idBase}-kind`}
          label={t('provider.editor.ruleKind')}
          errors={errors}
          path={`${path}.kind`}
        >
          {(a) => (
            <select
              {...a}
              value={r.kind}
              onChange={(e) => set('kind', e.currentTarget.value as TRuleDraft['kind'])}
            >
              {RULE_KINDS.map((v) => (
                <option key={v} value={v}>
                  {t(`provider.rule.${v}`)}
                </option>
              ))}
            </select>
          )}
        </Ctl>
        <Ctl
          id={`${idBase}-severity`}
          label={t('provider.editor.ruleSeverity')}
          errors={errors}
          path={`${path}.severity`}
        >
          {(a) => (
            <select
              {...a}
              value={r.severity}
              onChange={(e) => set('severity', e.currentTarget.value as TRuleDraft['severity'])}
            >
              <option value="error">{t('provider.editor.severityError')}</option>
              <option value="warning">{t('provider.editor.severityWarning')}</option>
            </select>
          )}
        </Ctl>
        {r.kind === 'pattern' && (
          <Ctl
            id={`${idBase}-pattern`}
            label={t('provider.editor.rulePattern')}
            errors={errors}
            path={`${path}.pattern`}
          >
            {(a) => <input {...a} value={r.pattern} onInput={(e) => set('pattern', e.currentTarget.value)} />}
          </Ctl>
        )}
        {r.kind === 'range' && (
          <>
            <Ctl
              id={`${idBase}-min`}
              label={t('provider.editor.ruleMin')}
              errors={errors}
              path={`${path}.min`}
            >
              {(a) => <input {...a} value={r.min} onInput={(e) => set('min', e.currentTarget.value)} />}
            </Ctl>
            <Ctl
              id={`${idBase}-max`}
              label={t('provider.editor.ruleMax')}
              errors={errors}
              path={`${path}.max`}
            >
              {(a) => <input {...a} value={r.max} onInput={(e) => set('max', e.currentTarget.value)} />}
            </Ctl>
          </>
        )}
        {r.kind === 'compare' && (
          <>
            <Ctl id={`${idBase}-op`} label={t('provider.editor.ruleOp')} errors={errors} path={`${path}.op`}>
              {(a) => (
                <select
                  {...a}
                  value={r.op}
                  onChange={(e) => set('op', e.currentTarget.value as TRuleDraft['op'])}
                >
                  {COMPARE_OPS.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              )}
            </Ctl>
            <Ctl
              id={`${idBase}-column`}
              label={t('provider.editor.ruleColumn')}
              errors={errors}
              path={`${path}.column`}
            >
              {(a) => (
                <>
                  <input
                    {...a}
                    list={listId}
                    value={r.column}
                    onInput={(e) => set('column', e.currentTarget.value)}
                  />
                  <datalist id={listId}>
                    {props.others.map((o) => (
                      <option key={o} value={o} />
                    ))}
                  </datalist>
                </>
              )}
            </Ctl>
          </>
        )}
        <Button
          class="secondary danger"
          onClick={props.onRemove}
          aria-label={t('provider.editor.removeRule', { rule: props.label })}
        >
          {t('common.remove')}
        </Button>
      </div>
      {r.kind === 'codes' && (
        <Ctl
          id={`${idBase}-codes`}
          label={t('provider.editor.ruleCodes')}
          errors={errors}
          path={`${path}.codes`}
          hint={t('provider.editor.codesHint')}
        >
          {(a) => (
            <textarea {...a} rows={2} value={r.codes} onInput={(e) => set('codes', e.currentTarget.value)} />
          )}
        </Ctl>
      )}
      {errors.get(path) && (
        <p class="field-error" data-path={path}>
          {errors.get(path)}
        </p>
      )}
    </fieldset>
  );
}
