// The dashboard's client: each page fetches its JSON endpoints, draws, and draws again whenever the server
// reports a commit to the database (server-sent events). Plain browser JavaScript, no build step.
(() => {
  const body = document.body;
  const PAGE = body.dataset.page;
  const RUN = body.dataset.run;
  const TASK = body.dataset.task === undefined ? undefined : Number(body.dataset.task);
  const content = document.getElementById('content');
  const notice = document.getElementById('notice');

  const STATE_COLOURS = {
    pending: '#9e9e9e',
    launched: '#42a5f5',
    running: '#ffb300',
    running_ended: '#ffca28',
    exec_done: '#43a047',
    memo_done: '#26a69a',
    failed: '#e53935',
    dep_fail: '#8e24aa',
    fail_retryable: '#fb8c00',
    joining: '#5c6bc0',
    unsched: '#bdbdbd',
  };
  const PALETTE = ['#1e88e5', '#d81b60', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41', '#3949ab'];
  const colour = (state) => STATE_COLOURS[state] ?? '#607d8b';

  /** el('div', { class: 'x' }, child, 'text', …): a DOM element. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'style') e.style.cssText = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** Replace a node's children; arrays are flattened and null, undefined and false skipped, as in el(). */
  function fill(node, ...children) {
    node.replaceChildren(
      ...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false),
    );
  }

  const runBase = () => `/run/${encodeURIComponent(RUN)}`;
  const apiBase = () => `/api/run/${encodeURIComponent(RUN)}`;

  class ApiError extends Error {}

  async function api(path) {
    const r = await fetch(path, { cache: 'no-store' });
    const body = await r.json();
    if (!r.ok) throw new ApiError(body.error ?? `${path}: HTTP ${r.status}`);
    return body;
  }

  function showNotice(text, kind) {
    notice.hidden = text === null;
    notice.className = kind ?? 'warning';
    notice.textContent = text ?? '';
  }

  /** Parsl's DATETIME text → epoch seconds (stored in UTC by parsl-ts). */
  function seconds(text) {
    if (text === null || text === undefined) return null;
    return Date.parse(`${text.replace(' ', 'T').slice(0, 23)}Z`) / 1000;
  }

  const fmtTime = (text) => (text === null || text === undefined ? '—' : text.slice(0, 19));
  const fmtBytes = (n) => {
    if (n === null || n === undefined) return '—';
    const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) {
      n /= 1024;
      i++;
    }
    return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
  };
  const fmtDuration = (s) => {
    if (s === null || !Number.isFinite(s)) return '—';
    if (s < 60) return `${s.toFixed(1)} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
    return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  };
  const badge = (state) =>
    el(
      'span',
      { class: 'state', style: `background:${colour(state)}`, 'data-state': state ?? '' },
      state ?? '—',
    );

  function table(headers, rows, attrs) {
    return el(
      'table',
      attrs,
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          headers.map((h) => (h instanceof Node && h.nodeName === 'TH' ? h : el('th', null, h))),
        ),
      ),
      el(
        'tbody',
        null,
        rows.map((r) =>
          el(
            'tr',
            null,
            r.map((c) => el('td', null, c)),
          ),
        ),
      ),
    );
  }

  function fields(pairs) {
    return el(
      'dl',
      { class: 'fields' },
      pairs.map(([k, v]) => [el('dt', null, k), el('dd', null, v ?? '—')]),
    );
  }

  /** uPlot charts by container id, kept across refreshes so a live page updates in place. */
  const charts = new Map();

  function chart(id, title, series, data, opts) {
    const box = document.getElementById(id);
    if (box === null) return;
    const old = charts.get(id);
    if (old !== undefined && old.series.length === series.length + 1) {
      old.setData(data);
      return;
    }
    old?.destroy();
    fill(box);
    const width = Math.max(320, box.clientWidth || content.clientWidth - 20);
    const u = new uPlot(
      {
        title,
        width,
        height: 240,
        scales: { x: { time: true } },
        series: [{}, ...series],
        axes: [{}, { size: 60, ...(opts?.yAxis ?? {}) }],
      },
      data,
      box,
    );
    charts.set(id, u);
  }

  function section(title, ...children) {
    return el('section', null, el('h2', null, title), ...children);
  }

  // ---- pages ----

  async function workflowsPage() {
    const { database, workflows } = await api('/api/workflows');
    if (database.kind.kind === 'parsl') {
      showNotice(
        `${database.path} was written by Python Parsl or an older parsl-ts: it has Parsl's tables but not the summary table(s) ${database.kind.missing.join(', ')}. Only this list is available.`,
      );
    } else if (database.indexWarning) showNotice(database.indexWarning);
    if (workflows.length === 0) {
      fill(content, el('p', { class: 'empty' }, `No workflow recorded in ${database.path} yet.`));
      return;
    }
    fill(
      content,
      el('p', { class: 'muted' }, `${workflows.length} workflow(s) in ${database.path}`),
      table(
        ['Workflow', 'Run id', 'Version', 'Began', 'Completed', 'Tasks done', 'Failed', 'Host', 'User'],
        workflows.map((w) => [
          el('a', { href: `/run/${encodeURIComponent(w.run_id)}` }, w.workflow_name ?? '(unnamed)'),
          el('code', null, w.run_id),
          w.workflow_version ?? '—',
          fmtTime(w.time_began),
          w.time_completed === null ? el('span', { class: 'running' }, 'running') : fmtTime(w.time_completed),
          w.tasks_completed_count,
          w.tasks_failed_count,
          w.host,
          w.user,
        ]),
        { id: 'workflows' },
      ),
    );
  }

  function ensureLayout(ids) {
    if (content.dataset.layout === PAGE) return;
    content.dataset.layout = PAGE;
    fill(content, ...ids());
  }

  let ganttBefore;

  async function summaryPage() {
    const [s, tl, g] = await Promise.all([
      api(apiBase()),
      api(`${apiBase()}/timeline`),
      api(`${apiBase()}/gantt${ganttBefore === undefined ? '' : `?before=${ganttBefore}`}`),
    ]);
    ensureLayout(() => [
      el('div', { id: 'workflow' }),
      section('Tasks per state', el('div', { id: 'states', class: 'tiles' })),
      section('Tasks per app and state', el('div', { id: 'apps' })),
      section(
        'Tasks over time (Gantt, newest tasks)',
        el('div', { id: 'gantt-nav' }),
        el('canvas', { id: 'gantt' }),
      ),
      section('Tries per app over time', el('div', { id: 'tries' })),
    ]);
    const w = s.workflow;
    const began = seconds(w.time_began);
    const ended = w.time_completed === null ? Date.now() / 1000 : seconds(w.time_completed);
    fill(
      document.getElementById('workflow'),
      fields([
        ['Workflow', w.workflow_name],
        ['Run id', el('code', null, w.run_id)],
        ['Status', w.time_completed === null ? el('span', { class: 'running' }, 'running') : 'completed'],
        ['Began', fmtTime(w.time_began)],
        ['Completed', fmtTime(w.time_completed)],
        ['Duration', fmtDuration(ended - began)],
        ['Host / user', `${w.host} / ${w.user}`],
        ['Run directory', el('code', null, w.rundir)],
      ]),
    );
    const total = Object.values(s.states).reduce((a, b) => a + b, 0);
    fill(
      document.getElementById('states'),
      el('div', { class: 'tile', 'data-state': 'total' }, el('b', null, total), 'tasks'),
      Object.entries(s.states).map(([state, n]) =>
        el(
          'a',
          {
            class: 'tile',
            'data-state': state,
            style: `border-color:${colour(state)}`,
            href: `${runBase()}/tasks?state=${encodeURIComponent(state)}`,
          },
          el('b', null, n),
          badge(state),
        ),
      ),
    );
    const states = [...new Set(s.apps.map((a) => a.state))].sort();
    const apps = [...new Set(s.apps.map((a) => a.app))].sort();
    const count = new Map(s.apps.map((a) => [`${a.app}\u0000${a.state}`, a.count]));
    fill(
      document.getElementById('apps'),
      table(
        ['App', ...states.map((st) => badge(st)), 'Total'],
        apps.map((app) => {
          const row = states.map((st) => count.get(`${app}\u0000${st}`) ?? 0);
          return [
            el('a', { href: `${runBase()}/tasks?app=${encodeURIComponent(app)}` }, app),
            ...row,
            row.reduce((a, b) => a + b, 0),
          ];
        }),
        { id: 'app-states' },
      ),
    );
    drawGantt(g);
    triesChart(tl);
  }

  function showGantt(before) {
    ganttBefore = before;
    refresh();
  }

  function drawGantt(g) {
    const nav = document.getElementById('gantt-nav');
    fill(
      nav,
      el('span', { class: 'muted' }, `${new Set(g.rows.map((r) => r.task_id)).size} task(s) shown `),
      g.before === null ? null : el('button', { onclick: () => showGantt(g.before) }, 'older tasks'),
      ganttBefore === undefined ? null : el('button', { onclick: () => showGantt(undefined) }, 'newest'),
      el(
        'span',
        { class: 'legend' },
        ['pending', 'launched', 'running', 'exec_done', 'failed', 'dep_fail', 'memo_done'].map((st) =>
          el('span', null, el('i', { style: `background:${colour(st)}` }), st),
        ),
      ),
    );
    const canvas = document.getElementById('gantt');
    const ids = [...new Set(g.rows.map((r) => r.task_id))];
    const rowH = ids.length > 200 ? 2 : ids.length > 60 ? 4 : 10;
    const width = Math.max(320, content.clientWidth - 20);
    const height = Math.max(40, ids.length * rowH + 24);
    canvas.width = width;
    canvas.height = height;
    canvas.dataset.tasks = String(ids.length);
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    if (g.rows.length === 0) return;
    const now = Date.now() / 1000;
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const r of g.rows) {
      for (const t of [r.invoked, r.launched, r.running, r.returned]) {
        const s = seconds(t);
        if (s !== null) {
          t0 = Math.min(t0, s);
          t1 = Math.max(t1, s);
        }
      }
      if (r.returned === null) t1 = Math.max(t1, now);
    }
    if (!Number.isFinite(t0)) return;
    const span = Math.max(t1 - t0, 1e-3);
    const x = (s) => 4 + ((s - t0) / span) * (width - 8);
    const index = new Map(ids.map((id, i) => [id, i]));
    for (const r of g.rows) {
      const y = index.get(r.task_id) * rowH;
      const inv = seconds(r.invoked) ?? seconds(r.launched);
      const la = seconds(r.launched);
      const ru = seconds(r.running);
      const re = seconds(r.returned);
      const end = re ?? now;
      const bar = (from, to, c) => {
        if (from === null) return;
        ctx.fillStyle = c;
        ctx.fillRect(x(from), y, Math.max(1, x(to) - x(from)), Math.max(1, rowH - 1));
      };
      bar(inv, la ?? end, colour('pending'));
      bar(la, ru ?? end, colour('launched'));
      bar(ru, end, re === null ? colour('running') : colour(r.state));
    }
    ctx.fillStyle = '#444';
    ctx.font = '11px sans-serif';
    ctx.fillText(fmtTime(new Date(t0 * 1000).toISOString().replace('T', ' ')), 4, height - 6);
    const right = `${fmtDuration(span)} later`;
    ctx.fillText(right, width - 4 - ctx.measureText(right).width, height - 6);
  }

  function triesChart(tl) {
    const apps = [...new Set(tl.points.map((p) => p.app))].sort();
    const xs = [...new Set(tl.points.map((p) => p.second))].sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const ys = apps.map(() => new Array(xs.length).fill(0));
    for (const p of tl.points) {
      ys[apps.indexOf(p.app)][at.get(p.second)] += p.count;
    }
    const box = document.getElementById('tries');
    box.dataset.points = String(xs.length);
    if (xs.length === 0) {
      charts.get('tries')?.destroy();
      charts.delete('tries');
      fill(box, el('p', { class: 'empty' }, 'No try launched yet.'));
      return;
    }
    // One bucket alone gives uPlot no time range to draw (it spans years): start the plot a bucket earlier.
    if (xs.length === 1) {
      xs.unshift(xs[0] - tl.bucketSeconds);
      for (const y of ys) y.unshift(0);
    }
    chart(
      'tries',
      `Tries launched per ${tl.bucketSeconds} s`,
      apps.map((a, i) => ({ label: a, stroke: PALETTE[i % PALETTE.length], width: 2 })),
      [xs, ...ys],
    );
  }

  // Task list: keyset pages; the URL keeps the filters so a page can be linked and reloaded.
  const cursors = [];
  let sortColumn = null;

  async function tasksPage() {
    const params = new URLSearchParams(location.search);
    const [s, page] = await Promise.all([api(apiBase()), api(`${apiBase()}/tasks?${params.toString()}`)]);
    const apps = [...new Set(s.apps.map((a) => a.app))].sort();
    const states = [...new Set([...s.apps.map((a) => a.state), params.get('state') ?? 'exec_done'])].sort();
    const select = (name, options, label) =>
      el(
        'label',
        null,
        `${label} `,
        el(
          'select',
          { name, onchange: (e) => go({ [name]: e.target.value, after: '' }) },
          options.map(([v, t]) => el('option', { value: v, selected: (params.get(name) ?? '') === v }, t)),
        ),
      );
    const go = (changes) => {
      for (const [k, v] of Object.entries(changes)) {
        if (v === '' || v === undefined) params.delete(k);
        else params.set(k, v);
      }
      if (!('after' in changes) || changes.after === '') cursors.length = 0;
      history.replaceState(null, '', `${location.pathname}?${params.toString()}`);
      refresh();
    };
    const rows = page.rows.slice();
    if (sortColumn !== null) {
      const [key, dir] = sortColumn;
      rows.sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : 0));
    }
    const header = (label, key) =>
      el(
        'th',
        {
          class: 'sortable',
          onclick: () => {
            sortColumn = sortColumn?.[0] === key ? [key, -sortColumn[1]] : [key, 1];
            refresh();
          },
        },
        label,
        sortColumn?.[0] === key ? (sortColumn[1] > 0 ? ' ▲' : ' ▼') : '',
      );
    fill(
      content,
      el(
        'form',
        { class: 'filters', onsubmit: (e) => e.preventDefault() },
        select('app', [['', 'all'], ...apps.map((a) => [a, a])], 'App'),
        select('state', [['', 'all'], ...states.map((x) => [x, x])], 'State'),
        select(
          'order',
          [
            ['asc', 'oldest first'],
            ['desc', 'newest first'],
          ],
          'Order',
        ),
      ),
      table(
        [
          header('Task', 'task_id'),
          header('App', 'task_func_name'),
          header('State', 'state'),
          header('Invoked', 'task_time_invoked'),
          header('Returned', 'task_time_returned'),
          header('Failures', 'task_fail_count'),
          header('Depends on', 'task_depends'),
        ],
        rows.map((r) => [
          el('a', { href: `${runBase()}/task/${r.task_id}` }, r.task_id),
          r.task_func_name,
          badge(r.state),
          fmtTime(r.task_time_invoked),
          fmtTime(r.task_time_returned),
          r.task_fail_count,
          r.task_depends ?? '',
        ]),
        { id: 'tasks' },
      ),
      rows.length === 0 ? el('p', { class: 'empty' }, 'No task matches.') : null,
      el(
        'div',
        { class: 'pager' },
        el(
          'button',
          {
            id: 'prev',
            disabled: cursors.length === 0,
            onclick: () => go({ after: cursors.pop() ?? '', keep: '' }),
          },
          '← previous',
        ),
        el(
          'button',
          {
            id: 'next',
            disabled: page.next === null,
            onclick: () => {
              cursors.push(params.get('after') ?? '');
              go({ after: String(page.next), keep: '' });
            },
          },
          'next →',
        ),
      ),
    );
  }

  async function taskPage() {
    const d = await api(`${apiBase()}/task/${TASK}`);
    const t = d.task;
    document.querySelector('h1').textContent = `Task ${t.task_id} · ${t.task_func_name}`;
    ensureLayout(() => [
      el('div', { id: 'fields' }),
      section('Tries', el('div', { id: 'tries' })),
      section('Status history', el('div', { id: 'history' })),
      section(
        'Resources',
        el('div', { id: 'resource-note' }),
        el('div', { id: 'cpu' }),
        el('div', { id: 'memory' }),
      ),
    ]);
    fill(
      document.getElementById('fields'),
      fields([
        ['State', badge(d.state)],
        ['App', t.task_func_name],
        ['Depends on', t.task_depends],
        ['Invoked', fmtTime(t.task_time_invoked)],
        ['Returned', fmtTime(t.task_time_returned)],
        ['Failures', t.task_fail_count],
        ['Fail cost', t.task_fail_cost],
        ['Memoized', t.task_memoize],
        ['Hash', t.task_hashsum],
        ['Outputs', t.task_outputs],
        ['stdout', t.task_stdout === null ? null : el('code', { id: 'stdout' }, t.task_stdout)],
        ['stderr', t.task_stderr === null ? null : el('code', { id: 'stderr' }, t.task_stderr)],
      ]),
    );
    fill(
      document.getElementById('tries'),
      d.tries.length === 0
        ? el('p', { class: 'empty' }, 'Not launched yet.')
        : table(
            ['Try', 'Executor', 'Host', 'Block', 'Launched', 'Running', 'Returned', 'Failure'],
            d.tries.map((y) => [
              y.try_id,
              y.task_executor,
              y.hostname ?? '—',
              y.block_id ?? '—',
              fmtTime(y.task_try_time_launched),
              fmtTime(y.task_try_time_running),
              fmtTime(y.task_try_time_returned),
              y.task_fail_history ?? '',
            ]),
          ),
    );
    fill(
      document.getElementById('history'),
      table(
        ['Time', 'State', 'Try'],
        d.statuses.map((s) => [s.timestamp, badge(s.task_status_name), s.try_id]),
        { id: 'statuses' },
      ),
    );
    const note = document.getElementById('resource-note');
    if (d.resources.length === 0) {
      fill(
        note,
        el(
          'p',
          { class: 'empty' },
          'No resource samples: resource monitoring was off, or the task ran on the thread pool.',
        ),
      );
      return;
    }
    fill(note, el('p', { class: 'muted' }, `${d.resources.length} sample(s)`));
    const xs = d.resources.map((r) => seconds(r.timestamp));
    chart(
      'cpu',
      'CPU time (s)',
      [
        { label: 'user', stroke: PALETTE[0], width: 2 },
        { label: 'system', stroke: PALETTE[1], width: 2 },
      ],
      [
        xs,
        d.resources.map((r) => r.psutil_process_time_user),
        d.resources.map((r) => r.psutil_process_time_system),
      ],
    );
    chart(
      'memory',
      'Memory',
      [
        { label: 'resident', stroke: PALETTE[2], width: 2, value: (_, v) => fmtBytes(v) },
        { label: 'virtual', stroke: PALETTE[3], width: 2, value: (_, v) => fmtBytes(v) },
      ],
      [
        xs,
        d.resources.map((r) => r.psutil_process_memory_resident),
        d.resources.map((r) => r.psutil_process_memory_virtual),
      ],
      { yAxis: { values: (_, ticks) => ticks.map(fmtBytes), size: 80 } },
    );
  }

  let cy = null;
  let cyShape = '';

  async function dagPage() {
    const by = new URLSearchParams(location.search).get('by') === 'state' ? 'state' : 'app';
    const d = await api(`${apiBase()}/dag`);
    ensureLayout(() => [
      el(
        'p',
        { class: 'filters' },
        'Group by ',
        el('a', { href: '?by=app', class: by === 'app' ? 'here' : '' }, 'app'),
        ' · ',
        el('a', { href: '?by=state', class: by === 'state' ? 'here' : '' }, 'state'),
        el(
          'span',
          { class: 'muted' },
          ' — one node per app (or per app and state), edges counted: the graph stays small at any task count.',
        ),
      ),
      el('div', { id: 'dag' }),
      el('div', { id: 'dag-table' }),
    ]);
    const apps = new Map();
    for (const n of d.nodes) {
      const a = apps.get(n.app) ?? { total: 0, states: {} };
      a.total += n.count;
      a.states[n.state] = n.count;
      apps.set(n.app, a);
    }
    const elements = [];
    for (const [app, a] of apps) {
      const size = 40 + 12 * Math.log10(1 + a.total);
      const label = `${app}\n${a.total} task(s)`;
      if (by === 'app') {
        const data = { id: `app:${app}`, label, size };
        Object.keys(STATE_COLOURS).forEach((st, i) => {
          data[`p${i}`] = (100 * (a.states[st] ?? 0)) / Math.max(1, a.total);
        });
        elements.push({ data });
      } else {
        elements.push({ data: { id: `app:${app}`, label: app } });
        for (const [st, n] of Object.entries(a.states)) {
          elements.push({
            data: {
              id: `app:${app}:${st}`,
              parent: `app:${app}`,
              label: `${st}\n${n}`,
              colour: colour(st),
              size: 30 + 10 * Math.log10(1 + n),
            },
          });
        }
      }
    }
    for (const e of d.edges) {
      if (!apps.has(e.from) || !apps.has(e.to)) continue;
      elements.push({
        data: {
          id: `edge:${e.from}->${e.to}`,
          source: `app:${e.from}`,
          target: `app:${e.to}`,
          label: String(e.count),
        },
      });
    }
    const box = document.getElementById('dag');
    box.dataset.nodes = String(apps.size);
    box.dataset.edges = String(d.edges.length);
    const shape = `${by}|${elements.map((x) => x.data.id).join(',')}`;
    if (cy !== null && shape === cyShape) {
      for (const x of elements) cy.getElementById(x.data.id).data(x.data);
    } else {
      cy?.destroy();
      cyShape = shape;
      const pie = {};
      Object.keys(STATE_COLOURS).forEach((st, i) => {
        pie[`pie-${i + 1}-background-color`] = STATE_COLOURS[st];
        pie[`pie-${i + 1}-background-size`] = `data(p${i})`;
      });
      cy = cytoscape({
        container: box,
        elements,
        wheelSensitivity: 0.3,
        style: [
          {
            selector: 'node',
            style: {
              label: 'data(label)',
              'text-wrap': 'wrap',
              'text-valign': 'bottom',
              'text-margin-y': 4,
              'font-size': 11,
              'background-color': by === 'app' ? '#eceff1' : 'data(colour)',
              ...(by === 'app' ? pie : {}),
            },
          },
          { selector: 'node[size]', style: { width: 'data(size)', height: 'data(size)' } },
          {
            selector: ':parent',
            style: {
              'background-color': '#f5f7fa',
              'border-color': '#90a4ae',
              'text-valign': 'top',
              'font-weight': 'bold',
              padding: 12,
            },
          },
          {
            selector: 'edge',
            style: {
              width: 2,
              'curve-style': 'bezier',
              'target-arrow-shape': 'triangle',
              'line-color': '#90a4ae',
              'target-arrow-color': '#90a4ae',
              label: 'data(label)',
              'font-size': 10,
              'text-background-color': '#fff',
              'text-background-opacity': 1,
            },
          },
        ],
        layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.3, padding: 20 },
      });
    }
    fill(
      document.getElementById('dag-table'),
      table(
        ['From app', 'To app', 'Dependencies'],
        d.edges.map((e) => [e.from, e.to, e.count]),
        { id: 'edges' },
      ),
    );
  }

  async function resourcesPage() {
    const r = await api(`${apiBase()}/resources`);
    ensureLayout(() => [
      section('Workers busy and available', el('div', { id: 'busy-note' }), el('div', { id: 'busy' })),
      section(
        'CPU and memory of the tasks',
        el('div', { id: 'usage-note' }),
        el('div', { id: 'cpu' }),
        el('div', { id: 'memory' }),
      ),
      section('Worker pools (nodes)', el('div', { id: 'nodes' })),
    ]);
    // Busy workers: the running balance of task starts and ends on workers.
    const xs = r.busy.map((p) => p.second);
    let running = 0;
    const busy = r.busy.map((p) => (running += p.started - p.ended));
    // Available workers: each pool's latest report at or before the bucket, summed over active pools.
    const latest = new Map();
    let i = 0;
    const events = r.nodes.map((n) => ({ ...n, sec: seconds(n.timestamp) }));
    const available = xs.map((x) => {
      while (i < events.length && events[i].sec < x + r.bucketSeconds) {
        latest.set(events[i].uid, events[i]);
        i++;
      }
      let sum = 0;
      for (const n of latest.values()) if (n.active) sum += n.worker_count;
      return sum;
    });
    document.getElementById('busy').dataset.points = String(xs.length);
    document
      .getElementById('busy-note')
      .replaceChildren(
        xs.length === 0
          ? el('p', { class: 'empty' }, 'No task has started on a worker yet.')
          : el(
              'p',
              { class: 'muted' },
              `Per ${r.bucketSeconds} s. Available workers come from worker pool registrations (HTEX, ExtremeScale); the thread pool reports none.`,
            ),
      );
    if (xs.length > 0) {
      chart(
        'busy',
        'Workers',
        [
          { label: 'busy', stroke: PALETTE[0], width: 2, fill: 'rgba(30,136,229,0.15)' },
          { label: 'available', stroke: PALETTE[2], width: 2 },
        ],
        [xs, busy, available],
      );
    }
    const ux = r.usage.map((p) => p.second);
    document.getElementById('cpu').dataset.points = String(ux.length);
    document
      .getElementById('usage-note')
      .replaceChildren(
        ux.length === 0
          ? el(
              'p',
              { class: 'empty' },
              'No resource samples: resource monitoring is off, or the tasks ran on the thread pool.',
            )
          : el('p', { class: 'muted' }, `From the latest resource samples, per ${r.bucketSeconds} s.`),
      );
    if (ux.length > 0) {
      chart(
        'cpu',
        'CPU (cores used by tasks)',
        [{ label: 'cores', stroke: PALETTE[1], width: 2 }],
        [ux, r.usage.map((p) => p.cpuSeconds / r.bucketSeconds)],
      );
      chart(
        'memory',
        'Memory (resident, summed over tasks)',
        [{ label: 'resident', stroke: PALETTE[3], width: 2, value: (_, v) => fmtBytes(v) }],
        [ux, r.usage.map((p) => p.rssBytes)],
        { yAxis: { values: (_, ticks) => ticks.map(fmtBytes), size: 80 } },
      );
    }
    const pools = new Map();
    for (const n of r.nodes) pools.set(n.uid, n);
    fill(
      document.getElementById('nodes'),
      pools.size === 0
        ? el('p', { class: 'empty' }, 'No worker pool registered (thread pool, or no block started yet).')
        : table(
            ['Host', 'Pool', 'Block', 'Workers', 'Active', 'Last report'],
            [...pools.values()].map((n) => [
              n.hostname,
              el('code', null, n.uid),
              n.block_id,
              n.worker_count,
              n.active ? 'yes' : 'no',
              fmtTime(n.timestamp),
            ]),
            { id: 'pools' },
          ),
    );
  }

  const PAGES = {
    workflows: workflowsPage,
    summary: summaryPage,
    tasks: tasksPage,
    task: taskPage,
    dag: dagPage,
    resources: resourcesPage,
  };

  // One refresh at a time; changes that arrive meanwhile cause exactly one more.
  let busyRefresh = false;
  let again = false;
  let renders = 0;

  async function refresh() {
    if (busyRefresh) {
      again = true;
      return;
    }
    busyRefresh = true;
    try {
      do {
        again = false;
        try {
          await PAGES[PAGE]();
          if (notice.className === 'error') showNotice(null);
        } catch (e) {
          showNotice(e instanceof ApiError ? e.message : `The page failed: ${e.message}`, 'error');
        }
        body.dataset.renders = String(++renders);
      } while (again);
    } finally {
      busyRefresh = false;
    }
  }

  const live = document.getElementById('live');
  const events = new EventSource('/api/events');
  events.addEventListener('hello', () => {
    live.textContent = '● live';
    live.className = 'on';
  });
  events.addEventListener('change', (e) => {
    body.dataset.version = e.data;
    refresh();
  });
  events.addEventListener('error', () => {
    live.textContent = '○ reconnecting';
    live.className = 'off';
  });
  refresh();
})();
