#!/usr/bin/env node
// The direction of imports between the folders of ts/, and no import cycle between files.
// Usage: node scripts/check-imports.mjs [root]   (root: the source tree, default ts)
// Prints every offending import as file:line with the rule it breaks, and exits 1 when there is one.

/**
 * The allowed arrows. A unit is a folder of the source tree or a file at its root; every unit may import
 * itself and the root helpers, and nothing else unless an arrow below says so. `to` may name one file
 * (`executors/base.ts`) to allow only that file of a folder; `*` is any unit except the entry points.
 */
const ARROWS = [
  // [from, to, why]
  ['index.ts', '*', 'the public entry re-exports the API'],
  ['api-types.ts', '*', 'the types public signatures name, re-exported by index.ts for annotations and the API docs'],
  ['internal.ts', '*', "the tests' entry re-exports internals"],
  ['in-allocation.ts', 'executors', "the in-allocation entry turns ranks 1..N-1 into the MPICommExecutor's workers"],
  ['internal.ts', 'cli', "tests reach the pool commands' option parsing through it as well"],
  ['cli', '*', 'the command line starts kernels, interchanges and worker pools'],
  ['load.ts', 'config.ts', 'load() with no argument builds the default Config'],
  ['load.ts', 'dataflow', 'load() starts the kernel and remembers it'],
  ['load.ts', 'jobs', 'load() hands the kernel the job status poller'],
  ['config.ts', 'dataflow', 'a Config is the KernelConfig the kernel reads'],
  ['config.ts', 'executors', 'a Config holds executors; its default is a thread pool'],
  ['config.ts', 'jobs', 'a Config names the block strategy'],
  ['config.ts', 'monitoring', 'a Config holds a MonitoringHub'],
  ['monitoring', 'dataflow', 'monitoring observes the kernel: its task records, states and futures'],
  ['monitoring', 'executors/base.ts', 'executors report nodes, blocks and worker reports in these shapes'],
  ['monitoring', 'execute', 'the worker report and resource sample shapes'],
  ['visualize', 'monitoring', 'the dashboard reads the monitoring database through its query module and schema'],
  ['app', 'dataflow', 'an app call becomes a kernel task and returns its future'],
  ['app', 'execute', 'a bad keyword stream fails with the app error classes'],
  ['app', 'serialize', 'an app describes its function for transport'],
  ['app', 'data', 'outputs are Files'],
  ['dataflow', 'executors/base.ts', 'the kernel sees executors only through their interface'],
  ['dataflow', 'serialize', 'memo hashes and checkpoints encode values and functions'],
  ['dataflow', 'data', 'DataFutures, memo hashes and checkpoints know Files'],
  ['dataflow', 'staging', "the kernel's data manager stages each task's Files"],
  ['staging', 'data', 'providers move Files and implement the staging interface'],
  ['staging', 'dataflow/future.ts', 'staged inputs and outputs are DataFutures'],
  ['staging', 'dataflow/task-record.ts', 'staging tasks are app definitions the kernel runs'],
  ['staging', 'executors/base.ts', "the data manager reads an executor's storageAccess and wraps its tasks"],
  ['staging', 'execute', 'in-task staging runs the app body (bash apps, walltime) between its steps'],
  ['staging', 'serialize', 'wrapped tasks and staging tasks travel to workers as module functions'],
  ['executors', 'data', "executors take storageAccess and workingDir (the staging interface)"],
  ['jobs', 'executors', 'the poller and strategy scale executors that have blocks'],
  ['jobs', 'providers', 'the strategy reads block states and block limits'],
  ['executors', 'execute', 'executors hand tasks to the code that runs them'],
  ['executors', 'serialize', 'tasks and results travel serialized'],
  ['executors', 'mpi', "the ExtremeScale pool's ranks talk MPI"],
  ['executors', 'providers', 'block executors start their workers in provider blocks'],
  ['executors', 'launchers', 'block executors may say how a block starts its workers'],
  ['providers', 'launchers', 'a block script starts the workers through a launcher'],
  ['providers', 'channels', 'scheduler commands and scripts go through a channel'],
  ['sites', 'config.ts', 'a site builds a whole Config'],
  ['sites', 'executors', "a site's Config names its executors"],
  ['sites', 'providers', 'a site says which scheduler submits its blocks'],
  ['sites', 'launchers', 'a site says how a block starts its workers'],
  ['sites', 'channels', 'sites reached from elsewhere run their scheduler commands over SSH'],
  ['sites', 'load.ts', 'the site suite loads the Config it checks'],
  ['sites', 'app', 'the site suite runs apps'],
  ['sites', 'dataflow', 'the site suite reads checkpoints and futures'],
  ['sites', 'data', 'the site suite writes Files to the shared file system'],
  ['execute', 'serialize', 'a worker decodes functions and arguments and encodes results'],
  ['serialize', 'data', 'Files travel as tagged values'],
];

/** Root files anyone may import; they import only each other. */
const HELPERS = [
  'errors.ts',
  'options.ts',
  'describe.ts',
  'shell.ts',
  'version.ts',
  'logging.ts',
  'addresses.ts',
  'secrets.ts',
];

/** Imported by nothing in the tree unless an arrow names them (tests import the two entries; `bin` runs cli/). */
const ENTRIES = ['index.ts', 'internal.ts', 'in-allocation.ts', 'cli'];

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'ts');
const files = listSources(root);
const problems = [];
/** file (relative to root) → [{ target, line }] of imports inside the tree */
const graph = new Map();

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const edges = [];
  for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
    const target = resolveImport(file, ref.fileName);
    if (target === null) continue;
    const line = text.slice(0, ref.pos).split('\n').length;
    edges.push({ target, line });
    const broken = checkArrow(file, target);
    if (broken !== null) problems.push(`${show(file)}:${line}: ${broken}`);
  }
  graph.set(file, edges);
}
for (const cycle of findCycles(graph)) {
  problems.push(`${show(cycle[0].file)}:${cycle[0].line}: import cycle: ${cycleText(cycle)}`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} import problem(s): see the allowed arrows in scripts/check-imports.mjs`);
  process.exit(1);
}
console.log(`imports: ${files.length} files, every arrow allowed, no cycle`);

function listSources(dir, prefix = '') {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(join(dir, name)).isDirectory()) out.push(...listSources(join(dir, name), rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** A relative specifier as a path under the root (`.js` → `.ts`); null for packages and files outside. */
function resolveImport(file, spec) {
  let abs;
  if (spec === '#internal') abs = join(root, 'internal.ts');
  else if (spec.startsWith('./') || spec.startsWith('../')) {
    abs = resolve(root, dirname(file), spec).replace(/\.js$/, '.ts');
  } else return null;
  const rel = relative(root, abs).split(sep).join('/');
  if (rel.startsWith('..') || !existsSync(abs)) return null;
  return rel;
}

function unitOf(rel) {
  const slash = rel.indexOf('/');
  return slash < 0 ? rel : rel.slice(0, slash);
}

/** Why `file → target` is refused, or null when it is allowed. */
function checkArrow(file, target) {
  const from = unitOf(file);
  const to = unitOf(target);
  if (from === to || HELPERS.includes(to)) return null;
  const mine = ARROWS.filter(([f]) => f === from);
  if (mine.some(([, t]) => t === to || t === target)) return null;
  if (ENTRIES.includes(to)) return `${from} → ${to}: nothing imports ${to}; it is an entry point`;
  if (mine.some(([, t]) => t === '*')) return null;
  const partly = mine.find(([, t]) => unitOf(t) === to);
  const arrow = `${from} → ${partly ? target : to}`;
  if (HELPERS.includes(from)) return `${arrow} is not allowed: the root helpers import only each other`;
  const allowed = [...mine.map(([, t]) => t), 'the root helpers'].join(', ');
  return `${arrow} is not an allowed arrow: ${from} may import ${allowed}`;
}

/** Strongly connected components (Tarjan) with more than one file, or a file importing itself, each as one cycle. */
function findCycles(g) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { target: w } of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set();
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    const selfImport = (g.get(v) ?? []).some((e) => e.target === v);
    if (scc.size > 1 || selfImport) cycles.push(cycleIn(g, scc, [...scc].sort()[0]));
  };
  for (const v of [...g.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** One concrete cycle through `start` inside a component: [{ file, line }], each importing the next. */
function cycleIn(g, scc, start) {
  const cameFrom = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const { target, line } of g.get(v) ?? []) {
      if (!scc.has(target)) continue;
      if (target === start) {
        const path = [{ file: v, line }];
        for (let u = v; u !== start; ) {
          const prev = cameFrom.get(u);
          path.unshift(prev);
          u = prev.file;
        }
        return path;
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, { file: v, line });
        queue.push(target);
      }
    }
  }
  throw new Error(`no cycle through ${start}`);
}

function cycleText(cycle) {
  return [...cycle.map((s) => `${s.file}:${s.line}`), cycle[0].file].join(' → ');
}

function show(rel) {
  return relative(process.cwd(), join(root, rel)) || rel;
}
