/**
 * Headless plots: a vega-lite spec → vega's SVG renderer (View.toSVG, no canvas) → PNG with resvg
 * (fonts bundled from the dejavu-fonts-ttf package, so text never silently disappears), and a
 * self-contained HTML page with vega, vega-lite and vega-embed inlined (no CDN).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

const require = createRequire(import.meta.url);

/** A package's folder (vega's `exports` hide package.json, so walk up from its main entry). */
function packageDir(name: string): string {
  try { return dirname(require.resolve(`${name}/package.json`)); } catch { /* hidden by an exports map */ }
  let dir: string;
  try { dir = dirname(require.resolve(name)); } catch { dir = dirname(fileURLToPath(import.meta.resolve(name))); }
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
  return dir;
}

const fontDir = join(packageDir('dejavu-fonts-ttf'), 'ttf');
export const FONT_FILES = [join(fontDir, 'DejaVuSans.ttf'), join(fontDir, 'DejaVuSans-Bold.ttf')];
export const FONT_FAMILY = 'DejaVu Sans';

export type VegaLiteSpec = vegaLite.TopLevelSpec;

/** Default look: the bundled font everywhere. */
export function withTheme(spec: VegaLiteSpec): VegaLiteSpec {
  return { ...spec, config: { font: FONT_FAMILY, legend: { labelLimit: 420, orient: 'bottom', direction: 'vertical' }, ...(spec as { config?: object }).config } } as VegaLiteSpec;
}

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vegaLite.compile(withTheme(spec)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, zoom = 2): Buffer {
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: zoom }, font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: FONT_FAMILY }, background: 'white' });
  return r.render().asPng();
}

let inlined: string | null = null;
function inlineLibraries(): string {
  if (!inlined) {
    const file = (pkg: string, name: string): string => readFileSync(join(packageDir(pkg), 'build', name), 'utf8');
    inlined = ['vega', 'vega-lite', 'vega-embed'].map((p) => `<script>${file(p, `${p}.min.js`).replace(/<\/script/gi, '<\\/script')}</script>`).join('\n');
  }
  return inlined;
}

/** A self-contained HTML page: the given sections (title, text, a vega-lite spec and/or raw HTML). */
export function htmlPage(title: string, sections: { heading: string; text?: string; spec?: VegaLiteSpec; html?: string }[]): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = sections.map((s, i) => `<section><h2>${esc(s.heading)}</h2>${s.text ? `<p>${esc(s.text)}</p>` : ''}${s.spec ? `<div id="vis${i}"></div>` : ''}${s.html ?? ''}</section>`).join('\n');
  const embeds = sections.map((s, i) => (s.spec ? `vegaEmbed('#vis${i}', ${JSON.stringify(s.spec).replace(/</g, '\\u003c')}, {renderer: 'svg', actions: false});` : '')).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:'DejaVu Sans',sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}</style>
${inlineLibraries()}</head><body><h1>${esc(title)}</h1>
${body}
<script>${embeds}</script></body></html>
`;
}
