import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO, tempDir } from '../helpers/paths.js';

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  link?: boolean;
  [k: string]: unknown;
}
interface Lock {
  packages: Record<string, LockEntry>;
}

function npm(args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 180_000,
  });
  if (r.status !== 0)
    throw new Error(`npm ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A checkout as git gives it: the sources and what the package lists, no dist/ (the case of issue #15). */
function cleanCheckout(dest: string): void {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[] };
  const entries = [
    'package.json',
    'tsconfig.json',
    'ts',
    'LICENSE',
    ...pkg.files.filter((f) => f !== 'dist'),
  ];
  for (const e of entries) cpSync(join(REPO, e), join(dest, e), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dest, 'node_modules'));
}

/**
 * An empty project whose lock pins parsl-ts's dependencies as this repository's lock does, with the registry
 * URL of each tarball, so npm takes every one from its cache by integrity and never asks the registry.
 */
function emptyProject(dir: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const registry = npm(['config', 'get', 'registry'], dir).trim().replace(/\/$/, '');
  const root = lock.packages['']!;
  const packages: Record<string, LockEntry> = {
    '': { name: 'user-project', version: '1.0.0', dependencies: { 'parsl-ts': `file:${tarball}` } },
    'node_modules/parsl-ts': {
      version: String(root.version),
      resolved: `file:${tarball}`,
      dependencies: root.dependencies,
      bin: root.bin,
      hasInstallScript: true,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev || entry.link) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.split('/').pop();
    packages[path] = {
      ...entry,
      resolved: entry.resolved ?? `${registry}/${name}/-/${base}-${entry.version}.tgz`,
    };
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'user-project',
      version: '1.0.0',
      type: 'module',
      dependencies: { 'parsl-ts': `file:${tarball}` },
    }),
  );
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'user-project', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
  );
}

const WORKFLOW = `import * as parsl from 'parsl-ts';
const htex = process.argv[2] === 'htex';
const executor = htex
  ? new parsl.HighThroughputExecutor({ label: 'htex', provider: new parsl.LocalProvider({ initBlocks: 1 }) })
  : new parsl.ThreadPoolExecutor({ label: 'threads', maxThreads: 2 });
await parsl.load(new parsl.Config({ executors: [executor] }));
const square = parsl.app((x) => x * x);
const squares = await Promise.all([1, 2, 3, 4].map((x) => square(x)));
console.log(process.argv[2] + ' sum of squares ' + squares.reduce((a, b) => a + b));
`;

test('npm pack of a clean checkout builds dist/; the tarball installs offline and runs on threads and HTEX', {
  timeout: 300_000,
}, () => {
  const tmp = tempDir('pack');
  try {
    const src = join(tmp.path, 'src');
    cleanCheckout(src);
    expect(existsSync(join(src, 'dist'))).toBe(false);
    // The prepare script's output may precede the JSON on stdout.
    const packOut = npm(['pack', '--json', '--pack-destination', tmp.path], src);
    const [packed] = JSON.parse(packOut.slice(packOut.search(/^\[/m))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = new Set(packed!.files.map((f) => f.path));
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'LICENSE',
      'scripts/build-native.mjs',
    ])
      expect(files, f).toContain(f);
    const tarball = join(tmp.path, packed!.filename);

    const user = join(tmp.path, 'user');
    mkdirSync(user);
    emptyProject(user, tarball);
    // Dependencies' install scripts (better-sqlite3's compile) are skipped for speed; parsl-ts's own runs next.
    npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], user);
    const rebuilt = npm(['rebuild', 'parsl-ts', '--offline', '--foreground-scripts'], user, {
      PARSL_TS_SKIP_NATIVE: '1',
    });
    expect(rebuilt).toContain('PARSL_TS_SKIP_NATIVE=1: the MPI addon was not built');

    writeFileSync(join(user, 'workflow.mjs'), WORKFLOW);
    const plain = spawnSync(process.execPath, ['workflow.mjs', 'threads'], {
      cwd: user,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toBe('threads sum of squares 30\n');
    const bin = join(user, 'node_modules', '.bin', 'parsl-ts');
    const viaBin = spawnSync(bin, ['run', '--no-progress', 'workflow.mjs', 'htex'], {
      cwd: user,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(viaBin.stderr).toBe('');
    expect(viaBin.stdout).toBe('htex sum of squares 30\n');
    expect(viaBin.status).toBe(0);
  } finally {
    tmp.remove();
  }
});
