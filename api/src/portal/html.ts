/** HTML built from template literals: every interpolated value is escaped unless it is `raw`. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export type THtml = { readonly html: string };
export const raw = (html: string): THtml => ({ html });

type TValue = string | number | null | undefined | false | THtml | TValue[];
const render = (v: TValue): string =>
  v === null || v === undefined || v === false
    ? ''
    : Array.isArray(v)
      ? v.map(render).join('')
      : typeof v === 'object'
        ? v.html
        : escapeHtml(String(v));

export function html(strings: TemplateStringsArray, ...values: TValue[]): THtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return { html: out };
}

/** JSON for a `<script type="application/ld+json">` block: nothing in it can close the element. */
export const jsonLd = (value: unknown) =>
  raw(
    `<script type="application/ld+json">${JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/\u2028|\u2029/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}</script>`,
  );
