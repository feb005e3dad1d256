import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidMPIResourceSpecification, InvalidResourceSpecification } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import {
  blockNodes,
  decodeTask,
  encodeTaskBody,
  expandHostlist,
  mpiTaskEnv,
  NodeAccounting,
  resolveMPISpec,
  treeLayout,
} from '#internal';
import { jsTask } from '../helpers/executors.js';

describe('MPI resource specifications', () => {
  test('two of the three counts derive the third', () => {
    expect(resolveMPISpec({ numNodes: 2, ranksPerNode: 3 })).toMatchObject({ numRanks: 6 });
    expect(resolveMPISpec({ numNodes: 2, numRanks: 8 })).toMatchObject({ ranksPerNode: 4 });
    expect(resolveMPISpec({ ranksPerNode: 4, numRanks: 8 })).toMatchObject({ numNodes: 2 });
    expect(resolveMPISpec({ numNodes: 1, ranksPerNode: 2, numRanks: 2, launcherOptions: '-x' })).toEqual({
      numNodes: 1,
      ranksPerNode: 2,
      numRanks: 2,
      launcherOptions: '-x',
    });
  });

  test('missing, inconsistent, ill-typed, unknown or oversized specs fail with a clear error', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{}, /at least two/],
      [{ numRanks: 4 }, /at least two/],
      [{ numNodes: 2, ranksPerNode: 2, numRanks: 5 }, /not numRanks 5/],
      [{ numNodes: 2, numRanks: 5 }, /not a multiple of numNodes/],
      [{ ranksPerNode: 3, numRanks: 4 }, /not a multiple of ranksPerNode/],
      [{ numNodes: 0, numRanks: 4 }, /integer ≥ 1/],
      [{ numNodes: 1.5, numRanks: 3 }, /integer ≥ 1/],
      [{ numNodes: 1, numRanks: 2, cores: 3 }, /unknown keys/],
      [{ numNodes: 1, numRanks: 2, launcherOptions: 7 }, /launcherOptions must be a string/],
    ];
    for (const [spec, why] of bad) {
      let err: unknown;
      try {
        resolveMPISpec(spec);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(spec)).toBeInstanceOf(InvalidMPIResourceSpecification);
      expect(err).toBeInstanceOf(InvalidResourceSpecification);
      expect((err as Error).message).toMatch(why);
    }
    expect(() => resolveMPISpec({ numNodes: 3, ranksPerNode: 1 }, { nodes: 2, slotsPerNode: 4 })).toThrow(
      /more than the block/,
    );
    expect(() => resolveMPISpec({ numNodes: 1, ranksPerNode: 8 }, { nodes: 2, slotsPerNode: 4 })).toThrow(
      /slots of a node/,
    );
  });
});

describe('the resources header', () => {
  test('what the executor resolved at submit reaches the pool beside the untouched arguments', () => {
    const resources = resolveMPISpec({ numNodes: 2, numRanks: 8, launcherOptions: '--bind-to core' });
    // JSON bodies (plain arguments) and v8 bodies (a Map) carry the header the same way.
    for (const args of [
      ['a', 1, { b: [2] }],
      [new Map([['k', 1]]), 3],
    ]) {
      const task = jsTask((..._a: unknown[]) => 0, args);
      const { wire, resources: back } = decodeTask(41, task.fn, encodeTaskBody(task, resources));
      expect(back).toEqual({ numNodes: 2, ranksPerNode: 4, numRanks: 8, launcherOptions: '--bind-to core' });
      expect(wire).toMatchObject({ id: 41, tryId: task.tryId, appName: task.appName, kind: 'js' });
      expect(wire.args).toEqual(args);
      expect(decodeTask(41, task.fn, encodeTaskBody(task)).resources).toBeNull();
    }
  });
});

describe('node lists', () => {
  test('Slurm host list expressions expand with padding', () => {
    expect(expandHostlist('nid[001-003,007],login1')).toEqual([
      'nid001',
      'nid002',
      'nid003',
      'nid007',
      'login1',
    ]);
    expect(expandHostlist('a[1-2]-b[0-1]')).toEqual(['a1-b0', 'a1-b1', 'a2-b0', 'a2-b1']);
    expect(expandHostlist('single')).toEqual(['single']);
  });

  test('Slurm, PBS, LSF, Cobalt, explicit and local sources', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parsl-nodes-'));
    const pbs = join(dir, 'nodes');
    writeFileSync(pbs, 'n1\nn1\nn2\n');
    expect(blockNodes(null, { SLURM_NODELIST: 'c[1-2]' })).toEqual({
      nodes: ['c1', 'c2'],
      source: 'SLURM_NODELIST',
    });
    expect(blockNodes(null, { PBS_NODEFILE: pbs }).nodes).toEqual(['n1', 'n2']);
    expect(blockNodes(null, { COBALT_NODEFILE: pbs }).source).toBe('COBALT_NODEFILE');
    expect(blockNodes(null, { LSB_MCPU_HOSTS: 'batch1 1 h1 42 h2 42' }).nodes).toEqual(['h1', 'h2']);
    expect(blockNodes(['x', 'y'], { SLURM_NODELIST: 'c1' }).nodes).toEqual(['x', 'y']);
    expect(blockNodes(null, {}).nodes).toHaveLength(1);
    expect(() => blockNodes(null, { PBS_NODEFILE: join(dir, 'missing') })).toThrow(/cannot be read/);
  });
});

describe('node accounting', () => {
  const spec = (numNodes: number, ranksPerNode: number) => resolveMPISpec({ numNodes, ranksPerNode });

  test('small tasks share a node; a large task waits and is not overtaken', () => {
    const a = new NodeAccounting<string>(['n1', 'n2'], 4);
    a.enqueue(spec(1, 2), 'small1');
    a.enqueue(spec(1, 2), 'small2');
    a.enqueue(spec(2, 4), 'large');
    a.enqueue(spec(1, 1), 'tiny');
    const first = a.schedule();
    expect(first.map((s) => s.item)).toEqual(['small1', 'small2']);
    expect(first[0]!.nodes).toEqual(first[1]!.nodes); // packed onto one node
    expect(a.backlog).toBe(2); // 'tiny' would fit, but must not overtake 'large'
    a.release(first[0]!.spec, first[0]!.nodes);
    expect(a.schedule()).toEqual([]);
    a.release(first[1]!.spec, first[1]!.nodes);
    expect(a.schedule().map((s) => s.item)).toEqual(['large']);
  });

  test('the task environment names every prefix and count', () => {
    const env = mpiTaskEnv(
      { launcher: 'srun', mpiexec: 'mpiexec.mpich', mpiexecStyle: 'mpich', extraOptions: '' },
      spec(2, 3),
      ['h1', 'h2'],
    );
    expect(env).toMatchObject({
      PARSL_NUM_NODES: '2',
      PARSL_RANKS_PER_NODE: '3',
      PARSL_NUM_RANKS: '6',
      MPI_NODELIST: 'h1,h2',
      PARSL_MPIEXEC_PREFIX: 'mpiexec.mpich -n 6 -ppn 3 -hosts h1,h2',
      PARSL_SRUN_PREFIX: 'srun -N 2 -n 6 --ntasks-per-node=3 --nodelist=h1,h2',
      PARSL_APRUN_PREFIX: 'aprun -n 6 -N 3 -node-list=h1,h2',
    });
    expect(env.PARSL_MPI_PREFIX).toBe(env.PARSL_SRUN_PREFIX);
  });
});

describe('dispatch tree layout', () => {
  test('flat below the threshold, relays above it; every worker has one parent', () => {
    const flat = treeLayout(4, 8, 4);
    expect(flat.children(0)).toEqual([1, 2, 3]);
    expect(flat.role(2)).toBe('worker');
    const t = treeLayout(33, 16, 8);
    expect(t.subDispatchers).toEqual([1, 2, 3, 4]);
    const workers = t.subDispatchers.flatMap((r) => t.children(r));
    expect(workers.sort((a, b) => a - b)).toEqual(Array.from({ length: 28 }, (_, i) => i + 5));
    for (const w of workers) expect(t.children(t.parent(w))).toContain(w);
    expect(t.workersBelow(0)).toBe(28);
  });
});
