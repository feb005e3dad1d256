#!/usr/bin/env node
// Builds the MPI addon once per MPI flavour found on this machine, into build/<flavour>/.
//
//   node scripts/build-native.mjs            install-time build: never fails the install; skipped when
//                                            PARSL_TS_SKIP_NATIVE=1 (build it later with npm run build:native)
//   node scripts/build-native.mjs --strict   exit 1 if no flavour could be built (CI, setup-mpi.sh)
//   node scripts/build-native.mjs --flavor mpich        only that flavour
//   node scripts/build-native.mjs --gyp      the same sources through node-gyp (build/Release/)
//   node scripts/build-native.mjs --gyp-query has|cflags|libs <flavour>   used by binding.gyp
//
// MPI is found from MPICC, then the Debian-style suffixed wrappers (mpicc.openmpi, mpicc.mpich), then
// `mpicc`, then pkg-config (ompi-c, mpich). The flavour is the ABI family: Open MPI and Spectrum MPI
// are "openmpi"; MPICH, Cray MPICH, Intel MPI and MVAPICH are "mpich". Two MPIs with different ABIs
// need two addons (a mismatch silently gives N singletons), hence one build per flavour.
//
// Nothing here downloads anything: cmake-js uses the Node-API headers of the node-api-headers
// package (package.json "binary.napi_versions"), and --gyp refuses to run without local headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FLAVORS = ['openmpi', 'mpich'];
const INSTALL_HINT = {
  openmpi: 'Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; RHEL: dnf install openmpi-devel',
  mpich: 'Debian/Ubuntu: apt-get install mpich libmpich-dev; RHEL: dnf install mpich-devel',
};

function run(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return null;
  }
}

function which(name) {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Open MPI's wrappers answer -showme:version; MPICH-family wrappers do not. */
function wrapperFlavor(mpicc) {
  const v = run(mpicc, ['-showme:version']);
  if (v?.includes('Open MPI') || v?.includes('Spectrum')) return 'openmpi';
  return run(mpicc, ['-show']) === null ? null : 'mpich';
}

function wrapperFlags(mpicc, flavor) {
  const line = run(mpicc, flavor === 'openmpi' ? ['-showme'] : ['-show']);
  if (line === null) return null;
  const words = line.split(/\s+/).slice(1);
  const cflags = words.filter((w) => /^-(I|D|pthread)/.test(w));
  const libs = words.filter((w) => /^-(L|l|Wl|pthread)/.test(w));
  // Keep a non-system MPI findable at run time without LD_LIBRARY_PATH.
  const systemDirs = /^\/(usr\/)?lib(64|\/[a-z0-9_]+-linux-gnu)?\/?$/;
  for (const w of words.filter((x) => x.startsWith('-L') && !systemDirs.test(x.slice(2)))) {
    libs.push(`-Wl,-rpath,${w.slice(2)}`);
  }
  return { cflags, libs };
}

function pkgFlags(pkg) {
  const cflags = run('pkg-config', ['--cflags', pkg]);
  const libs = run('pkg-config', ['--libs', pkg]);
  if (cflags === null || libs === null) return null;
  return { cflags: cflags.split(/\s+/).filter(Boolean), libs: libs.split(/\s+/).filter(Boolean) };
}

/** Every way an MPI can be found here, best first; at most one entry per flavour. */
export function discoverMpi() {
  const found = new Map();
  const add = (entry) => {
    if (entry.flavor && !found.has(entry.flavor)) found.set(entry.flavor, entry);
  };
  const wrappers = [];
  if (process.env.MPICC) wrappers.push([process.env.MPICC, 'MPICC']);
  for (const f of FLAVORS) wrappers.push([`mpicc.${f}`, 'wrapper']);
  wrappers.push(['mpicc', 'wrapper']);
  for (const [name, source] of wrappers) {
    const path = which(name);
    if (!path) continue;
    const flavor = wrapperFlavor(path);
    if (flavor) add({ flavor, source, mpicc: path, pkg: null, mpiexec: mpiexecFor(flavor, path) });
  }
  for (const [pkg, flavor] of [['ompi-c', 'openmpi'], ['mpich', 'mpich']]) {
    if (!found.has(flavor) && run('pkg-config', ['--exists', pkg]) !== null) {
      add({ flavor, source: 'pkg-config', mpicc: null, pkg, mpiexec: mpiexecFor(flavor, null) });
    }
  }
  return [...found.values()];
}

function mpiexecFor(flavor, mpicc) {
  return which(`mpiexec.${flavor}`) ?? (mpicc && which(join(dirname(mpicc), 'mpiexec'))) ?? null;
}

function flagsOf(entry) {
  return entry.mpicc ? wrapperFlags(entry.mpicc, entry.flavor) : pkgFlags(entry.pkg);
}

function log(msg) {
  process.stdout.write(`parsl-ts native: ${msg}\n`);
}

function missingTools() {
  const missing = [];
  if (!which('cmake')) missing.push('cmake (apt-get install cmake)');
  if (!which('c++') && !which('g++') && !which('clang++')) missing.push('a C++17 compiler (apt-get install g++)');
  return missing;
}

function buildWithCmakeJs(entry) {
  const require = createRequire(import.meta.url);
  let cmakeJs;
  try {
    cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  } catch {
    return { ok: false, reason: 'the cmake-js package is not installed (npm install cmake-js)' };
  }
  const args = [cmakeJs, 'build', '-O', `build/${entry.flavor}`, `--CDPARSL_MPI_FLAVOR=${entry.flavor}`];
  args.push(entry.mpicc ? `--CDPARSL_MPICC=${entry.mpicc}` : `--CDPARSL_MPI_PKG=${entry.pkg}`);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: process.env });
  const addon = join(root, 'build', entry.flavor, 'Release', 'parsl_mpi.node');
  if (r.status !== 0 || !existsSync(addon)) {
    return { ok: false, reason: `cmake-js failed:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-4000) };
  }
  // The flavour compiled in must be the one asked for: a wrong one would load and give singletons.
  const probe = run(process.execPath, ['-p', `const a=require(${JSON.stringify(addon)});a.flavor+'|'+a.libraryVersion().split('\\n')[0]`]);
  if (!probe?.startsWith(`${entry.flavor}|`)) {
    return { ok: false, reason: `the built addon does not load or reports another flavour: ${probe}` };
  }
  return { ok: true, addon, libraryVersion: probe.split('|')[1] };
}

function writeManifest(manifest) {
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(join(root, 'build', 'mpi-builds.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function buildAll({ strict, only }) {
  const entries = discoverMpi().filter((e) => !only || e.flavor === only);
  const manifest = { builtAt: new Date().toISOString(), builds: [], missing: [] };
  const tools = missingTools();
  if (entries.length === 0) {
    manifest.missing.push(
      `no MPI found (looked at MPICC, mpicc.openmpi, mpicc.mpich, mpicc, pkg-config ompi-c/mpich). ${INSTALL_HINT.openmpi}; or ${INSTALL_HINT.mpich}`,
    );
  }
  if (entries.length > 0 && tools.length > 0) manifest.missing.push(`missing build tools: ${tools.join(', ')}`);
  if (entries.length > 0 && tools.length === 0) {
    for (const entry of entries) {
      const started = Date.now();
      const r = buildWithCmakeJs(entry);
      if (r.ok) {
        manifest.builds.push({ flavor: entry.flavor, addon: r.addon, source: entry.source, mpicc: entry.mpicc, pkg: entry.pkg, mpiexec: entry.mpiexec, libraryVersion: r.libraryVersion });
        log(`built ${entry.flavor} addon (${r.libraryVersion}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } else {
        manifest.missing.push(`${entry.flavor}: ${r.reason}`);
        log(`could not build the ${entry.flavor} addon: ${r.reason}`);
      }
    }
  }
  for (const f of FLAVORS) {
    if (!entries.some((e) => e.flavor === f) && (!only || only === f)) {
      manifest.missing.push(`${f}: not found (${INSTALL_HINT[f]})`);
    }
  }
  writeManifest(manifest);
  if (manifest.builds.length === 0) {
    log('the MPI part of parsl-ts (ExtremeScaleExecutor, Communicator) is not available:');
    for (const m of manifest.missing) log(`  - ${m}`);
    log('everything else works; run `npm run build:native` after installing an MPI.');
    return strict ? 1 : 0;
  }
  return 0;
}

function nodeHeadersDir() {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')];
  return candidates.find((d) => d && existsSync(join(d, 'include', 'node', 'node_api.h'))) ?? null;
}

function buildWithGyp() {
  const nodedir = nodeHeadersDir();
  if (!nodedir) {
    log('node-gyp needs the Node headers locally and this script will not download them. Install them');
    log('(Debian: apt-get install libnode-dev) and set npm_config_nodedir, or use `npm run build:native` (cmake-js).');
    return 1;
  }
  const gyp = [
    process.env.npm_config_node_gyp,
    resolve(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ].find((p) => p && existsSync(p));
  if (!gyp) {
    log('node-gyp not found (it ships with npm); run this through `npm run build:native:gyp`.');
    return 1;
  }
  // configure + build, not rebuild: `clean` would delete the cmake-js builds in build/<flavour>.
  for (const step of ['configure', 'build']) {
    const r = spawnSync(process.execPath, [gyp, step, `--nodedir=${nodedir}`, '--jobs=2'], { cwd: process.cwd(), stdio: 'inherit' });
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

function gypQuery(what, flavor) {
  const entry = discoverMpi().find((e) => e.flavor === flavor);
  if (what === 'has') return entry ? '1' : '0';
  const flags = entry ? flagsOf(entry) : null;
  if (!flags) return '';
  return (what === 'cflags' ? flags.cflags : flags.libs).join(' ');
}

function main(argv) {
  const i = argv.indexOf('--gyp-query');
  if (i >= 0) {
    process.stdout.write(`${gypQuery(argv[i + 1], argv[i + 2])}\n`);
    return 0;
  }
  if (argv.includes('--gyp')) return buildWithGyp();
  if (argv.includes('--discover')) {
    process.stdout.write(`${JSON.stringify(discoverMpi(), null, 2)}\n`);
    return 0;
  }
  const f = argv.indexOf('--flavor');
  if (argv.length === 0 && process.env.PARSL_TS_SKIP_NATIVE === '1') {
    log('PARSL_TS_SKIP_NATIVE=1: the MPI addon was not built (the MPI executors need `npm run build:native`)');
    return 0;
  }
  return buildAll({ strict: argv.includes('--strict'), only: f >= 0 ? argv[f + 1] : null });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    // An install must never fail because of the optional native part.
    log(`unexpected error, the MPI addon was not built: ${e instanceof Error ? e.stack : String(e)}`);
    process.exitCode = process.argv.includes('--strict') ? 1 : 0;
  }
}
