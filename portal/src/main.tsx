import { render } from 'preact';
import { App } from './app.tsx';
import { initI18n } from './lib/i18n.ts';
import { loadSession } from './lib/session.ts';
import './styles.css';

initI18n();
const root = document.getElementById('app')!;
// The server rendered the public page for readers without script; the app takes over from it.
root.replaceChildren();
render(<App />, root);
void loadSession();
