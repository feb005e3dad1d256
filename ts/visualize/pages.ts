/**
 * The HTML of each page: a shell with the navigation and empty containers. The client (static/app.js) fills
 * them from the JSON endpoints and fills them again at every change event, so a page never renders a run's
 * rows on the server and never needs a reload.
 */

export type PageName = 'workflows' | 'summary' | 'tasks' | 'task' | 'dag' | 'resources';

const TITLES: Record<PageName, string> = {
  workflows: 'Workflows',
  summary: 'Workflow summary',
  tasks: 'Tasks',
  task: 'Task',
  dag: 'Task graph',
  resources: 'Resource usage',
};

const LIBS: Record<PageName, readonly string[]> = {
  workflows: [],
  summary: ['uPlot'],
  tasks: [],
  task: ['uPlot'],
  dag: ['cytoscape'],
  resources: ['uPlot'],
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(name: PageName, params: { runId?: string; taskId?: number } = {}): string {
  const run = params.runId;
  const base = run === undefined ? '' : `/run/${encodeURIComponent(run)}`;
  const nav =
    run === undefined
      ? ''
      : [
          ['summary', base, 'Summary'],
          ['tasks', `${base}/tasks`, 'Tasks'],
          ['dag', `${base}/dag`, 'Graph'],
          ['resources', `${base}/resources`, 'Resources'],
        ]
          .map(
            ([n, href, label]) =>
              `<a href="${escapeHtml(href!)}"${n === name ? ' class="here"' : ''}>${label}</a>`,
          )
          .join('');
  const css = LIBS[name].includes('uPlot') ? '<link rel="stylesheet" href="/static/uPlot.css">' : '';
  const libs = LIBS[name].map((l) => `<script src="/static/${l}.js"></script>`).join('');
  const data = [
    `data-page="${name}"`,
    run === undefined ? '' : `data-run="${escapeHtml(run)}"`,
    params.taskId === undefined ? '' : `data-task="${params.taskId}"`,
  ].join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[name]}${run === undefined ? '' : ` · ${escapeHtml(run)}`} · parsl-ts</title>
<link rel="stylesheet" href="/static/style.css">${css}</head>
<body ${data}>
<header><a class="brand" href="/">parsl-ts</a><nav>${nav}</nav><span id="live" title="live updates">○ connecting</span></header>
<main><h1>${TITLES[name]}</h1><div id="notice" hidden></div><div id="content"></div></main>
${libs}<script src="/static/app.js"></script>
</body></html>
`;
}
