import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Deps } from '../deps.ts';
import type { App, AppEnv } from '../http/env.ts';
import { escapeHtml } from './html.ts';
import {
  notFoundPage,
  renderCatalogue,
  renderDataset,
  type TLang,
  type TPublicPage,
} from './public-pages.ts';

/**
 * The page policy: scripts only from this origin (no inline script, no eval; WebAssembly may be
 * compiled, for the joint-computation client), data only to this origin, no framing.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

type TAsset = { body: Buffer; gzip: Buffer | null; type: string; immutable: boolean };

/** Every built file, read once: hashed assets live forever in caches, the rest is revalidated. */
function loadAssets(dir: string): Map<string, TAsset> {
  const assets = new Map<string, TAsset>();
  const walk = (sub: string) => {
    for (const name of readdirSync(join(dir, sub))) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else if (rel !== 'index.html') {
        const body = readFileSync(full);
        const type = TYPES[extname(name)] ?? 'application/octet-stream';
        const compressible = /^(text|application\/(json|wasm)|image\/svg)/.test(type) && body.length > 1024;
        assets.set(`/${rel}`, {
          body,
          gzip: compressible ? gzipSync(body, { level: 9 }) : null,
          type,
          immutable: rel.startsWith('assets/'),
        });
      }
    }
  };
  walk('');
  return assets;
}

const langOf = (c: Context<AppEnv>): TLang => {
  const asked = c.req.query('lang') ?? getCookie(c, 'enclave_lang');
  return asked === 'en' ? 'en' : 'zh';
};

/**
 * Serves the built portal at `/`: its assets, and for any other page address the app's HTML with
 * the public content rendered into it (the catalogue and dataset pages read without script).
 * Paths under /v1 and /.well-known are never the portal's.
 */
export function registerPortal(app: App, deps: Deps) {
  const dir = deps.settings.portalDir;
  const indexFile = dir ? join(dir, 'index.html') : null;
  let shell: string | null = null;
  let assets = new Map<string, TAsset>();
  const load = () => {
    if (shell !== null || !indexFile || !existsSync(indexFile)) return;
    assets = loadAssets(dir!);
    shell = readFileSync(indexFile, 'utf8');
  };

  app.on(['GET', 'HEAD'], '*', async (c, next) => {
    const path = c.req.path;
    if (path.startsWith('/v1/') || path === '/v1' || path.startsWith('/.well-known/')) return next();
    load();
    const asset = assets.get(path);
    if (asset) {
      const gz = asset.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      return c.body(new Uint8Array(gz ? asset.gzip! : asset.body), 200, {
        'content-type': asset.type,
        'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
        vary: 'accept-encoding',
        ...(gz ? { 'content-encoding': 'gzip' } : {}),
      });
    }
    // A missing hashed asset is a stale page asking for an old build: a plain 404, not the app.
    if (path.startsWith('/assets/') || extname(path) !== '') return next();
    const lang = langOf(c);
    if (shell === null) {
      return c.html(
        `<!doctype html><meta charset="utf-8"><title>Enclave</title><p>The portal is not built: run <code>npm run build -w portal</code> (npm start does). The API is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>`,
        503,
        { 'content-security-policy': PORTAL_CSP },
      );
    }
    const page = await publicPage(deps, lang, path, c.req.query());
    const doc = fill(shell, lang, page, deps.settings.publicUrl, path);
    return c.html(doc, page?.status === 404 ? 404 : 200, {
      'content-security-policy': PORTAL_CSP,
      'cache-control': 'no-cache',
      vary: 'cookie',
    });
  });
}

async function publicPage(deps: Deps, lang: TLang, path: string, query: Record<string, string>) {
  if (path === '/') return renderCatalogue(deps, lang, query);
  const m = /^\/datasets\/([^/]{1,120})$/.exec(path);
  if (m) return renderDataset(deps, lang, decodeURIComponent(m[1]!));
  if (/^\/(demands|signin|register|password|account|provider|admin|operator|regulator)(\/.*)?$/.test(path))
    return null;
  return notFoundPage(lang);
}

/** The built index.html with a page's title, description, markup and language put in. */
function fill(shell: string, lang: TLang, page: TPublicPage | null, publicUrl: string, path: string) {
  let doc = shell.replace('<html lang="zh-CN">', `<html lang="${lang === 'en' ? 'en' : 'zh-CN'}">`);
  if (!page) return doc;
  doc = doc.replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(page.title)} · Enclave</title>`);
  doc = doc.replace(
    /<meta name="description" content="[^"]*" \/>/,
    `<meta name="description" content="${escapeHtml(page.description)}" />`,
  );
  const canonical = `${publicUrl}${path}`;
  const head = [
    page.head.html,
    `<link rel="canonical" href="${escapeHtml(canonical)}" />`,
    `<link rel="alternate" hreflang="zh-CN" href="${escapeHtml(canonical)}" />`,
    `<link rel="alternate" hreflang="en" href="${escapeHtml(`${canonical}?lang=en`)}" />`,
  ].join('\n    ');
  return doc
    .replace('<!--ssr-head-->', head)
    .replace('<!--ssr-body-->', `<div class="ssr">${page.body.html}</div>`);
}
