// The dashboard in a real headless Chromium: every page of a finished (fixture) workflow and of a live one run
// with a MonitoringHub, their content checked, screenshots kept under build/screenshots/visualize/.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Dashboard } from '#internal';
import { chromiumMissing, launchChromium, openPage, screenshotDir } from '../helpers/browser.js';
import { dashboardScope, writeSyntheticRun } from '../helpers/monitoring-db.js';
import { skipOrFail } from '../helpers/skip.js';

const SHOTS = screenshotDir('visualize');
let browser: Browser | null = null;

beforeAll(async () => {
  if (chromiumMissing() === null) browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const scope = dashboardScope('visualize-browser');
const { scratch, serve } = scope;
afterEach(async () => {
  parsl.clear();
  await scope.cleanup();
});

/** Pages closed at the next visit: each holds an event stream, and a browser opens only 6 connections per host. */
const transient: Page[] = [];

/** Load a page (closing the previous ones unless kept) and wait for its first drawing from the endpoints. */
async function visit(d: Dashboard, path: string, keep = false): Promise<{ page: Page; errors: string[] }> {
  for (const old of transient.splice(0)) await old.close();
  const p = await openPage(browser!);
  scope.defer(() => p.page.close());
  if (!keep) transient.push(p.page);
  await p.page.goto(d.url + path);
  await p.page.waitForFunction(() => Number(document.body.dataset.renders) >= 1);
  await p.page.waitForSelector('#live.on');
  return p;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';

describe('visualize in Chromium', () => {
  beforeEach((ctx) => skipOrFail(ctx, chromiumMissing()));

  test('every page of a finished workflow', async () => {
    const path = join(scratch(), 'monitoring.db');
    const run = writeSyntheticRun({
      path,
      runId: 'run-a',
      tasks: 2000,
      spacingMs: 15,
      sampleEvery: 5,
      pools: 2,
      workflowName: 'sweep',
    });
    const d = await serve(path);

    let { page, errors } = await visit(d, '/');
    expect(await text(page, '#workflows')).toMatch(/sweep[\s\S]*run-a/);
    await shot(page, 'finished-workflows');
    await page.click('text=sweep');
    await page.waitForSelector('#app-states');
    expect(page.url()).toBe(`${d.url}/run/run-a`);

    ({ page, errors } = await visit(d, '/run/run-a'));
    expect(await text(page, '.tile[data-state="exec_done"] b')).toBe(String(run.states.exec_done));
    expect(await text(page, '.tile[data-state="failed"] b')).toBe(String(run.states.failed));
    expect(await page.locator('#app-states tbody tr').count()).toBe(5);
    expect(await page.locator('#gantt').getAttribute('data-tasks')).toBe('500');
    expect(Number(await page.locator('#tries').getAttribute('data-points'))).toBeGreaterThan(5);
    expect(await page.locator('#tries canvas').count()).toBeGreaterThan(0);
    await shot(page, 'finished-summary');
    expect(errors).toEqual([]);

    ({ page, errors } = await visit(d, '/run/run-a/tasks?state=failed'));
    const states = await page.locator('#tasks tbody .state').allInnerTexts();
    expect(states.length).toBe(run.states.failed);
    expect(new Set(states)).toEqual(new Set(['failed']));
    await shot(page, 'finished-tasks-failed');
    ({ page, errors } = await visit(d, '/run/run-a/tasks'));
    expect(await page.locator('#tasks tbody td').first().textContent()).toBe('0');
    await page.click('#next');
    await page.waitForFunction(() => document.querySelector('#tasks tbody tr td')?.textContent === '50');
    await page.click('#prev');
    await page.waitForFunction(() => document.querySelector('#tasks tbody tr td')?.textContent === '0');
    await page.selectOption('select[name="app"]', 'plot');
    await page.waitForFunction(() => location.search.includes('app=plot'));
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('#tasks tbody tr')).every(
        (r) => r.children[1]?.textContent === 'plot',
      ),
    );
    await page.click('th:text("Task")');
    await page.waitForFunction(() => document.querySelector('#tasks th')?.textContent?.includes('▲'));
    await page.click('th:text("Task")');
    await page.waitForFunction(() => document.querySelector('#tasks tbody tr td')?.textContent === '249');
    await shot(page, 'finished-tasks-plot-sorted');
    expect(errors).toEqual([]);

    ({ page, errors } = await visit(d, '/run/run-a/task/445')); // retried: two tries; sampled
    expect(await text(page, 'h1')).toBe('Task 445 · simulate');
    expect(await page.locator('#tries tbody tr').count()).toBe(2);
    expect(await text(page, '#statuses')).toMatch(/fail_retryable[\s\S]*exec_done/);
    expect(await text(page, '#stdout')).toBe('runinfo/task_logs/445.stdout');
    await page.waitForSelector('#cpu canvas');
    await page.waitForSelector('#memory canvas');
    await shot(page, 'finished-task');
    expect(errors).toEqual([]);

    for (const by of ['app', 'state']) {
      ({ page, errors } = await visit(d, `/run/run-a/dag?by=${by}`));
      expect(await page.locator('#dag').getAttribute('data-nodes')).toBe('5');
      await page.waitForSelector('#dag canvas');
      expect(await page.locator('#edges tbody tr').count()).toBe(5);
      await shot(page, `finished-dag-by-${by}`);
      expect(errors).toEqual([]);
    }

    ({ page, errors } = await visit(d, '/run/run-a/resources'));
    await page.waitForSelector('#busy canvas');
    await page.waitForSelector('#cpu canvas');
    expect(await page.locator('#pools tbody tr').count()).toBe(2);
    await shot(page, 'finished-resources');
    expect(errors).toEqual([]);
  });

  test('a live workflow: pages follow the run without a reload', async () => {
    const dir = scratch();
    const runDir = join(dir, 'runinfo');
    const gate = join(dir, 'gate');
    execFileSync('mkfifo', [gate]);
    const dfk = await parsl.load(
      new parsl.Config({
        executors: [new parsl.ThreadPoolExecutor({ maxThreads: 2 })],
        runDir,
        monitoring: new parsl.MonitoringHub({ workflowName: 'live-sweep' }),
      }),
    );
    let cleaned = false;
    scope.defer(async () => {
      // A failed test must not leave the bash task blocked on the gate: open it without waiting for a reader.
      const fd = openSync(gate, constants.O_RDWR | constants.O_NONBLOCK);
      writeSync(fd, 'go\n');
      closeSync(fd);
      if (!cleaned) await dfk.cleanup();
    });
    const inc = parsl.app((x: number) => x + 1);
    const waitForGate = parsl.bashApp((fifo: string) => `cat ${fifo} > /dev/null`);
    expect(await Promise.all([1, 2, 3, 4, 5].map((i) => inc(i)))).toEqual([2, 3, 4, 5, 6]);
    const held = waitForGate(gate);
    const d = await serve(join(runDir, 'monitoring.db'));

    const { page, errors } = await visit(d, '/');
    expect(await text(page, '#workflows')).toMatch(/live-sweep[\s\S]*running/);
    await shot(page, 'live-workflows');
    const runId = dfk.runId;
    for (const p of ['tasks', 'dag', 'resources']) {
      const v = await visit(d, `/run/${runId}/${p}`);
      await shot(v.page, `live-${p}`);
      expect(v.errors).toEqual([]);
    }
    const task = await visit(d, `/run/${runId}/task/${held.tid}`, true);
    await task.page.waitForFunction(
      () => document.querySelector('#fields .state')?.textContent === 'launched',
    );
    await shot(task.page, 'live-task');

    const summary = await visit(d, `/run/${runId}`, true);
    await summary.page.waitForFunction(
      () => document.querySelector('.tile[data-state="launched"] b')?.textContent === '1',
    );
    expect(await text(summary.page, '.tile[data-state="exec_done"] b')).toBe('5');
    await shot(summary.page, 'live-summary-running');
    // A mark the page keeps only as long as it is not reloaded.
    await summary.page.evaluate(() => {
      (window as unknown as { mark: number }).mark = 1;
    });
    writeFileSync(gate, 'go\n');
    await held;
    await summary.page.waitForFunction(
      () => document.querySelector('.tile[data-state="exec_done"] b')?.textContent === '6',
    );
    expect(await summary.page.locator('.tile[data-state="launched"]').count()).toBe(0);
    expect(await summary.page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(1);
    await task.page.waitForFunction(
      () => document.querySelector('#fields .state')?.textContent === 'exec_done',
    );
    await dfk.cleanup();
    cleaned = true;
    await summary.page.waitForFunction(() =>
      document.querySelector('#workflow')?.textContent?.includes('completed'),
    );
    await shot(summary.page, 'live-summary-done');
    expect([...errors, ...summary.errors, ...task.errors]).toEqual([]);
  });
});
