// The task events between the kernel and the writer thread, and the worker report inside an HTEX result body.
import { TaskState } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { decodeResultBody, EV, EventBuffer, EventRows, emptyBatch, encodeResultBody, FLAG } from '#internal';

describe('task events', () => {
  test('names keep their codes across chunks; extras belong to their own chunk', () => {
    const buf = new EventBuffer(2); // two events per chunk
    const rows = new EventRows(5);
    const b = emptyBatch('run');
    const apps = ['alpha', 'beta', 'alpha', 'gamma', 'beta', 'alpha', 'alpha'];
    apps.forEach((app, id) => {
      const o = buf.add();
      const ev = buf.events;
      ev[o + EV.task] = id;
      ev[o + EV.state] = TaskState.launched;
      ev[o + EV.previous] = TaskState.pending;
      ev[o + EV.time] = 1000 + id;
      ev[o + EV.app] = buf.code(app);
      ev[o + EV.flags] = FLAG.try | (id === 3 ? FLAG.tryEnd : 0);
      ev[o + EV.executor] = buf.code(id % 2 === 0 ? 'htex' : 'threads');
      ev[o + EV.extra] = id === 3 ? buf.extra({ failures: 'Error: boom' }) : -1;
      if (buf.full) rows.append(buf.take()!, b);
    });
    rows.append(buf.take()!, b);
    expect(buf.take()).toBeNull();
    const names: string[] = [];
    const executors: string[] = [];
    for (let i = 0; i < b.status.length; i += 6) names.push(b.status[i + 4] as string);
    for (let i = 0; i < b.try.length; i += 4) executors.push(b.try[i + 2] as string);
    expect(names).toEqual(apps);
    expect(executors).toEqual(apps.map((_, id) => (id % 2 === 0 ? 'htex' : 'threads')));
    expect(b.tryEnd).toEqual([3, 0, null, null, null, 1003, 'Error: boom']);
  });

  test('a worker report becomes running / running_ended rows, host, block and samples', () => {
    const buf = new EventBuffer();
    const rows = new EventRows(2);
    const b = emptyBatch('run');
    const o = buf.add();
    const ev = buf.events;
    ev[o + EV.task] = 7;
    ev[o + EV.try] = 1;
    ev[o + EV.state] = TaskState.exec_done;
    ev[o + EV.previous] = TaskState.launched;
    ev[o + EV.time] = 50;
    ev[o + EV.app] = buf.code('sim');
    ev[o + EV.flags] = FLAG.worker | FLAG.tryEnd | FLAG.taskEnd;
    ev[o + EV.workerStarted] = 10;
    ev[o + EV.workerEnded] = 40;
    ev[o + EV.host] = buf.code('node-1');
    ev[o + EV.block] = -1;
    ev[o + EV.returned] = 51;
    ev[o + EV.failCount] = 1;
    ev[o + EV.failCost] = 1;
    const sample = { time: 39, pid: 9, children: 0, cpuUser: 1, cpuSystem: 0, rss: 2, vms: 3 };
    const full = {
      ...sample,
      memoryPercent: 0,
      diskRead: 0,
      diskWrite: 0,
      ctxVoluntary: 0,
      ctxInvoluntary: 0,
    };
    ev[o + EV.extra] = buf.extra({ samples: [{ ...full, status: 'running', cpuNum: 1 }], hashsum: 'h' });
    rows.append(buf.take()!, b);
    expect(b.status).toEqual([
      7,
      1,
      TaskState.running,
      10,
      'sim',
      null,
      7,
      1,
      TaskState.running_ended,
      40,
      'sim',
      null,
      7,
      1,
      TaskState.exec_done,
      50,
      'sim',
      TaskState.launched,
    ]);
    expect(b.tryEnd).toEqual([7, 1, 10, 'node-1', null, 50, null]);
    expect(b.taskEnd).toEqual([7, 51, 1, 1, 'h']);
    expect(b.resource.slice(0, 5)).toEqual([7, 1, 2, 39, 9]);
  });
});

describe('HTEX result body', () => {
  test('the worker report travels by position, times to the microsecond', () => {
    const worker = {
      started: 1_765_106_902_123.25,
      ended: 1_765_106_902_125.5,
      hostname: 'node-1',
      blockId: '3',
      samples: null,
    };
    const out = decodeResultBody(encodeResultBody({ id: 1, ok: true, value: [1, 'x'], worker }));
    expect(out.ok && out.value).toEqual([1, 'x']);
    expect(out.worker!.hostname).toBe('node-1');
    expect(out.worker!.blockId).toBe('3');
    expect(out.worker!.samples).toBeNull();
    expect(Math.abs(out.worker!.started - worker.started)).toBeLessThan(0.001);
    expect(Math.abs(out.worker!.ended - worker.ended)).toBeLessThan(0.002);
    const plain = decodeResultBody(encodeResultBody({ id: 1, ok: true, value: 5 }));
    expect(plain).toEqual({ ok: true, value: 5 });
  });
});
