/**
 * The script editor: CodeMirror 6 with JavaScript and completions for the sandbox SDK. Loaded only
 * when the script page opens (a dynamic import), so no other page carries it.
 */
import {
  autocompletion,
  type CompletionContext,
  type CompletionResult,
  closeBrackets,
  closeBracketsKeymap,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript, javascriptLanguage } from '@codemirror/lang-javascript';
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';

/** basicSetup without search, folding and lint, which scripts of a few dozen lines do not need. */
const setup = [
  lineNumbers(),
  highlightActiveLineGutter(),
  history(),
  drawSelection(),
  EditorState.allowMultipleSelections.of(true),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  closeBrackets(),
  autocompletion(),
  highlightActiveLine(),
  keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
];

import { sdkCompletions, type TSdkTable } from './sdk-surface.ts';

export type TEditor = { setDoc(text: string): void; destroy(): void; focus(): void };

export function createEditor(
  parent: HTMLElement,
  opts: { doc: string; label: string; tables: () => TSdkTable[]; onChange: (text: string) => void },
): TEditor {
  const source = (context: CompletionContext): CompletionResult | null => {
    const found = sdkCompletions(context.state.sliceDoc(0, context.pos), opts.tables());
    if (!found) return null;
    if (found.from === context.pos && !context.explicit && /\w$/.test(context.state.sliceDoc(0, context.pos)))
      return null;
    return { from: found.from, options: found.options, validFor: /^[\w-]*$/ };
  };
  const view = new EditorView({
    doc: opts.doc,
    parent,
    extensions: [
      setup,
      // Wrapped lines and a height that grows with the text: no scroll region a keyboard user must reach.
      EditorView.lineWrapping,
      javascript(),
      javascriptLanguage.data.of({ autocomplete: source }),
      EditorView.contentAttributes.of({ 'aria-label': opts.label }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) opts.onChange(u.state.doc.toString());
      }),
    ],
  });
  return {
    setDoc: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    destroy: () => view.destroy(),
    focus: () => view.focus(),
  };
}
