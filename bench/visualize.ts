/**
 * Dashboard benchmark: every `parsl-ts visualize` endpoint over HTTP on a synthetic run of a million tasks
 * (written through the monitoring store by the tests' fixture generator), the bytes each page transfers, and how
 * long a commit takes to reach an open page as a change event.
 *
 *   npm run build && testslot --exclusive node --import tsx bench/visualize.ts [--tasks 1000000] [--quick]
 *
 * Prints one JSON object: per endpoint p50/p95/first request and response bytes; per page the total of its
 * HTML, assets and first data requests; the change-event latency; and whether the targets were met.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TaskState } from 'parsl-ts';
import { type Dashboard, emptyBatch, MonitoringStore, openForWriting, startDashboard } from '#internal';
import { writeSyntheticRun } from '../test/helpers/monitoring-db.js';
import { percentile, round } from './harness.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const TASKS = flag('--tasks', quick ? 100_000 : 1_000_000);
const RUNS = 40;
const TARGETS = { endpointP95Ms: 200, pageBytes: 2 * 1024 * 1024, changeVisibleMs: 1000 };

const base = mkdtempSync(join(tmpdir(), 'parsl-ts-bench-visualize-'));
const RUN = 'big-run';

async function get(d: Dashboard, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  const r = await fetch(d.url + path);
  const body = await r.arrayBuffer();
  return { ms: performance.now() - t0, bytes: body.byteLength, status: r.status };
}

async function endpoint(d: Dashboard, path: () => string) {
  const times: number[] = [];
  let bytes = 0;
  let first = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await get(d, path());
    if (r.status !== 200) throw new Error(`${path()}: HTTP ${r.status}`);
    if (i === 0) first = r.ms;
    times.push(r.ms);
    bytes = Math.max(bytes, r.bytes);
  }
  times.sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    firstMs: round(first),
    maxBytes: bytes,
  };
}

const rnd = () => Math.floor(Math.random() * TASKS);
const api = `/api/run/${RUN}`;
const ENDPOINTS: Record<string, () => string> = {
  workflows: () => '/api/workflows',
  summary: () => api,
  timeline: () => `${api}/timeline`,
  ganttNewest: () => `${api}/gantt`,
  ganttDeep: () => `${api}/gantt?before=${rnd()}`,
  tasksFirstPage: () => `${api}/tasks`,
  tasksDeepPage: () => `${api}/tasks?after=${rnd()}`,
  tasksByApp: () => `${api}/tasks?app=reduce&after=${rnd()}`,
  tasksByState: () => `${api}/tasks?state=failed`,
  tasksByAppAndState: () => `${api}/tasks?app=plot&state=failed`,
  tasksNewestFirst: () => `${api}/tasks?order=desc`,
  task: () => `${api}/task/${rnd()}`,
  dag: () => `${api}/dag`,
  resources: () => `${api}/resources`,
};

/** What each page loads: its HTML, its assets, and the data requests it makes when it opens. */
const PAGES: Record<string, { html: string; assets: string[]; data: string[] }> = {
  workflows: { html: '/', assets: ['app.js', 'style.css'], data: ['/api/workflows'] },
  summary: {
    html: `/run/${RUN}`,
    assets: ['app.js', 'style.css', 'uPlot.js', 'uPlot.css'],
    data: [api, `${api}/timeline`, `${api}/gantt`],
  },
  tasks: { html: `/run/${RUN}/tasks`, assets: ['app.js', 'style.css'], data: [api, `${api}/tasks`] },
  task: {
    html: `/run/${RUN}/task/500`,
    assets: ['app.js', 'style.css', 'uPlot.js', 'uPlot.css'],
    data: [`${api}/task/500`],
  },
  dag: { html: `/run/${RUN}/dag`, assets: ['app.js', 'style.css', 'cytoscape.js'], data: [`${api}/dag`] },
  resources: {
    html: `/run/${RUN}/resources`,
    assets: ['app.js', 'style.css', 'uPlot.js', 'uPlot.css'],
    data: [`${api}/resources`],
  },
};

async function pageBytes(d: Dashboard) {
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(PAGES)) {
    let total = (await get(d, p.html)).bytes;
    for (const a of p.assets) total += (await get(d, `/static/${a}`)).bytes;
    for (const x of p.data) total += (await get(d, x)).bytes;
    out[name] = total;
  }
  return out;
}

/**
 * From a commit by another connection to the change event on an open stream, and to the summary answering
 * with the new state: what a page needs to show a state change.
 */
async function changeLatency(d: Dashboard, path: string) {
  const r = await fetch(`${d.url}/api/events`);
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const until = async (re: RegExp) => {
    while (!re.test(text)) text += (await reader.read()).value ?? '';
    text = '';
  };
  await until(/event: hello/);
  const store = new MonitoringStore(openForWriting(path));
  const event: number[] = [];
  const visible: number[] = [];
  for (let i = 0; i < 20; i++) {
    const b = emptyBatch(RUN);
    const id = TASKS + i;
    const t = Date.now();
    b.task.push(id, 'late', 0, null, t, null, null, null);
    b.status.push(id, 0, TaskState.pending, t, 'late', -1);
    const t0 = performance.now();
    store.write(b);
    await until(/event: change/);
    event.push(performance.now() - t0);
    await get(d, api);
    visible.push(performance.now() - t0);
  }
  store.close();
  await reader.cancel();
  event.sort((a, b) => a - b);
  visible.sort((a, b) => a - b);
  return {
    eventP50Ms: round(percentile(event, 50)),
    eventP95Ms: round(percentile(event, 95)),
    visibleP50Ms: round(percentile(visible, 50)),
    visibleP95Ms: round(percentile(visible, 95)),
  };
}

try {
  const path = join(base, 'monitoring.db');
  const w = writeSyntheticRun({
    path,
    runId: RUN,
    tasks: TASKS,
    perBatch: 20_000,
    sampleEvery: 100,
    pools: 4,
  });
  const d = await startDashboard({ db: path, port: 0 });
  try {
    const endpoints: Record<string, Awaited<ReturnType<typeof endpoint>>> = {};
    for (const [name, p] of Object.entries(ENDPOINTS)) endpoints[name] = await endpoint(d, p);
    const pages = await pageBytes(d);
    const live = await changeLatency(d, path);
    const worstP95 = Math.max(...Object.values(endpoints).map((e) => e.p95Ms));
    const largestPage = Math.max(...Object.values(pages));
    console.log(
      JSON.stringify(
        {
          benchmark: 'visualize',
          machine: { cores: (await import('node:os')).cpus().length, node: process.version },
          database: {
            tasks: TASKS,
            rows: w.rows,
            writeSeconds: round(w.seconds),
            bytes: statSync(path).size,
          },
          endpoints,
          pageBytes: pages,
          live,
          worstP95Ms: worstP95,
          largestPageBytes: largestPage,
          targets: TARGETS,
          met: {
            endpointP95: worstP95 <= TARGETS.endpointP95Ms,
            pageBytes: largestPage <= TARGETS.pageBytes,
            changeVisible: live.visibleP95Ms <= TARGETS.changeVisibleMs,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await d.close();
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
