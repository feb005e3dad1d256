/**
 * The files the dashboard serves: its own client (next to this module: `static/`, copied into dist at build)
 * and the charting and graph libraries, resolved from the installed packages (dependencies of parsl-ts), so
 * nothing is fetched from the internet: compute nodes often have none.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const SOURCES: Record<string, { type: string; path: () => string }> = {
  'app.js': { type: JS, path: () => fileURLToPath(new URL('./static/app.js', import.meta.url)) },
  'style.css': { type: CSS, path: () => fileURLToPath(new URL('./static/style.css', import.meta.url)) },
  'uPlot.js': { type: JS, path: () => require.resolve('uplot/dist/uPlot.iife.min.js') },
  'uPlot.css': { type: CSS, path: () => require.resolve('uplot/dist/uPlot.min.css') },
  'cytoscape.js': { type: JS, path: () => require.resolve('cytoscape/dist/cytoscape.min.js') },
};

/** Every asset by its name under /static/, read once when the server starts. */
export function loadAssets(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [name, s] of Object.entries(SOURCES))
    out.set(name, { type: s.type, body: readFileSync(s.path()) });
  return out;
}
