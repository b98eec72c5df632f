import { t } from '../lib/i18n.ts';
import type { TColumn } from '../lib/types.ts';
import { Badge, DataTable } from './ui.tsx';

/** A dataset's columns as a table; `flagProtected` marks the columns that are not public. */
export function SchemaTable(props: { columns: TColumn[]; caption: string; flagProtected?: boolean }) {
  return (
    <DataTable
      caption={props.caption}
      columns={[
        t('schema.name'),
        t('schema.type'),
        t('schema.description'),
        t('schema.sensitivity'),
        t('schema.bounds'),
      ]}
      rows={props.columns.map((c) => [
        c.name,
        t(`type.${c.type}`) + (c.nullable ? ` (${t('schema.nullable')})` : ''),
        [c.description, c.unit ? `[${c.unit}]` : ''].filter(Boolean).join(' '),
        props.flagProtected && c.sensitivity !== 'public' ? (
          <Badge kind="warn">{t(`sensitivity.${c.sensitivity}`)}</Badge>
        ) : (
          t(`sensitivity.${c.sensitivity}`)
        ),
        c.codes
          ? t('schema.codes', { n: c.codes.length, sample: c.codes.slice(0, 5).join(', ') })
          : c.min !== undefined || c.max !== undefined
            ? `${c.min ?? '−∞'} … ${c.max ?? '∞'}`
            : '',
      ])}
    />
  );
}
