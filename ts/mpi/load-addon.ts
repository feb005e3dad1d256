/**
 * Finds, picks and loads the MPI addon build that matches the MPI this process was launched with.
 *
 * One addon is built per MPI flavour (scripts/build-native.mjs) because Open MPI and MPICH have
 * different ABIs. The flavour comes from, in order: `PARSL_MPI_FLAVOR`; the launcher's environment
 * (Open MPI's mpiexec sets OMPI_COMM_WORLD_*, PMIx launchers PMIX_RANK, MPICH's Hydra and PMI-2
 * launchers PMI_RANK/PMI_SIZE); the only build present; the build of the system's `mpicc`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { MPINotAvailableError } from './errors.js';
import { NATIVE_ABI_VERSION, type NativeAddon } from './native.js';

export type MPIFlavor = 'openmpi' | 'mpich';
export const MPI_FLAVORS: readonly MPIFlavor[] = ['openmpi', 'mpich'];

/** What the launcher told this process through its environment. */
export interface LauncherInfo {
  flavor: MPIFlavor | null;
  /** The world size the launcher promised, to check against MPI_Comm_size. */
  expectedSize: number | null;
  /** The variable `expectedSize` came from, for error messages. */
  sizeVariable: string | null;
}

export interface FlavorChoice {
  flavor: MPIFlavor;
  reason: string;
}

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

function intOf(v: string | undefined): number | null {
  const n = v === undefined ? Number.NaN : Number.parseInt(v, 10);
  return Number.isInteger(n) && n > 0 ? n : null;
}

export function detectLauncher(env: NodeJS.ProcessEnv = process.env): LauncherInfo {
  if (env.OMPI_COMM_WORLD_SIZE !== undefined || env.OMPI_COMM_WORLD_RANK !== undefined) {
    return {
      flavor: 'openmpi',
      expectedSize: intOf(env.OMPI_COMM_WORLD_SIZE),
      sizeVariable: 'OMPI_COMM_WORLD_SIZE',
    };
  }
  if (env.PMI_RANK !== undefined || env.PMI_SIZE !== undefined) {
    return { flavor: 'mpich', expectedSize: intOf(env.PMI_SIZE), sizeVariable: 'PMI_SIZE' };
  }
  if (env.PMIX_RANK !== undefined) {
    const size = intOf(env.SLURM_STEP_NUM_TASKS) ?? intOf(env.SLURM_NTASKS);
    return {
      flavor: 'openmpi',
      expectedSize: size,
      sizeVariable: size === null ? null : 'SLURM_STEP_NUM_TASKS',
    };
  }
  return { flavor: null, expectedSize: null, sizeVariable: null };
}

/** Where each build system puts the addon for a flavour (cmake-js first: it is what install runs). */
export function addonCandidates(flavor: MPIFlavor, root = packageRoot): string[] {
  return [`${root}build/${flavor}/Release/parsl_mpi.node`, `${root}build/Release/parsl_mpi_${flavor}.node`];
}

export function builtFlavors(root = packageRoot): MPIFlavor[] {
  return MPI_FLAVORS.filter((f) => addonCandidates(f, root).some((p) => existsSync(p)));
}

interface Manifest {
  builds: { flavor: string; source: string }[];
  missing: string[];
}

function readManifest(root = packageRoot): Manifest | null {
  try {
    return JSON.parse(readFileSync(`${root}build/mpi-builds.json`, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

function isFlavor(v: string): v is MPIFlavor {
  return (MPI_FLAVORS as readonly string[]).includes(v);
}

/** Pure flavour choice from the environment and the builds present; null when nothing is built. */
export function selectFlavor(
  env: NodeJS.ProcessEnv,
  available: readonly MPIFlavor[],
  systemDefault: MPIFlavor | null = null,
): FlavorChoice | null {
  const explicit = env.PARSL_MPI_FLAVOR;
  if (explicit) {
    if (!isFlavor(explicit))
      throw new TypeError(`PARSL_MPI_FLAVOR must be one of ${MPI_FLAVORS.join(', ')}, not "${explicit}"`);
    return { flavor: explicit, reason: 'PARSL_MPI_FLAVOR' };
  }
  const launcher = detectLauncher(env);
  if (launcher.flavor)
    return {
      flavor: launcher.flavor,
      reason: `launcher environment (${launcher.sizeVariable ?? 'PMIX_RANK'})`,
    };
  if (available.length === 1) return { flavor: available[0] as MPIFlavor, reason: 'the only build present' };
  if (systemDefault && available.includes(systemDefault))
    return { flavor: systemDefault, reason: "the system mpicc's flavour" };
  return available.length > 0 ? { flavor: available[0] as MPIFlavor, reason: 'first build present' } : null;
}

function notBuiltError(flavor: MPIFlavor | null, available: MPIFlavor[], root: string): MPINotAvailableError {
  const manifest = readManifest(root);
  const missing = manifest?.missing.length
    ? manifest.missing
    : ['the native build never ran (npm install with --ignore-scripts?)'];
  const want = flavor ? `the ${flavor} build of the MPI addon` : 'an MPI addon build';
  const have = available.length ? `Built flavours: ${available.join(', ')}.` : 'No flavour is built.';
  return new MPINotAvailableError(
    `parsl-ts needs ${want} for MPI features (Communicator, ExtremeScaleExecutor), but it is not built. ${have} ` +
      `What is missing: ${missing.join('; ')}. After installing an MPI and a C++ compiler run \`npm run build:native\` ` +
      `(or \`bash scripts/setup-mpi.sh\` on Debian/Ubuntu).`,
    missing,
  );
}

/**
 * UCX (MPICH's ch4:ucx, Open MPI's pml/ucx) by default ("bistro" hooks) rewrites libc's mmap/munmap/brk
 * machine code when its library loads, and moves the heap break up and back down to test the hooks. A C
 * program does that before it starts threads; in Node, V8's and libuv's threads run meanwhile, and code
 * rewritten under them or heap that the main thread had just grown handed back to the kernel killed about
 * one rank in fifty with SIGSEGV. UCX stays correct without the hooks ("reloc", the other mode, hung MPICH
 * here). UCX reads the setting from the process environment, which only the main thread can change (a
 * worker's `process.env` is its own copy): so it is set when this module loads on the main thread, before
 * any worker of the program can load the addon. Users may set it themselves.
 */
export const UCX_HOOK_VARIABLE = 'UCX_MEM_MMAP_HOOK_MODE';
if (isMainThread) process.env[UCX_HOOK_VARIABLE] ??= 'none';

/** The warning for a worker thread about to load MPI when the main thread could not set UCX's hook mode. */
export function ucxHookWarning(mainThread: boolean, env: NodeJS.ProcessEnv): string | null {
  if (mainThread || env[UCX_HOOK_VARIABLE] !== undefined) return null;
  return (
    `MPI is being loaded in a worker thread, but ${UCX_HOOK_VARIABLE} is not set in the process environment ` +
    `(the main thread did not import parsl-ts before starting this worker, or the worker was given its own env): ` +
    `UCX's default hooks patch libc while this process's threads run and can crash it. Export ` +
    `${UCX_HOOK_VARIABLE}=none in the job script, or import 'parsl-ts' in the main thread first.`
  );
}

const loaded = new Map<string, NativeAddon>();

/** The one place that `require`s a `.node` file. */
function requireAddon(path: string): NativeAddon {
  const warning = loaded.has(path) ? null : ucxHookWarning(isMainThread, process.env);
  if (warning) process.emitWarning(warning, { code: 'PARSL_UCX_HOOKS' });
  const addon = loaded.get(path) ?? (createRequire(import.meta.url)(path) as NativeAddon);
  loaded.set(path, addon);
  return addon;
}

export interface LoadedAddon {
  addon: NativeAddon;
  flavor: MPIFlavor;
  path: string;
  reason: string;
  launcher: LauncherInfo;
}

/**
 * Loads the addon for `flavor` (or the one {@link selectFlavor} picks); throws MPINotAvailableError.
 * `root` (the package root holding build/) is for tests.
 */
export function loadAddon(
  options: { flavor?: MPIFlavor; env?: NodeJS.ProcessEnv; root?: string } = {},
): LoadedAddon {
  const env = options.env ?? process.env;
  const root = options.root ?? packageRoot;
  const available = builtFlavors(root);
  const manifestDefault = readManifest(root)?.builds[0]?.flavor;
  const choice = options.flavor
    ? { flavor: options.flavor, reason: 'explicit option' }
    : selectFlavor(env, available, manifestDefault && isFlavor(manifestDefault) ? manifestDefault : null);
  if (!choice) throw notBuiltError(null, available, root);
  const path = addonCandidates(choice.flavor, root).find((p) => existsSync(p));
  if (!path) throw notBuiltError(choice.flavor, available, root);
  let addon: NativeAddon;
  try {
    addon = requireAddon(path);
  } catch (cause) {
    throw new MPINotAvailableError(
      `the ${choice.flavor} MPI addon at ${path} does not load (was its MPI library removed or upgraded?). ` +
        `Rebuild it with \`npm run build:native\`. ${cause instanceof Error ? cause.message : String(cause)}`,
      [`a loadable ${choice.flavor} MPI library`],
      { cause },
    );
  }
  if (addon.abiVersion !== NATIVE_ABI_VERSION) {
    throw new MPINotAvailableError(
      `the MPI addon at ${path} is stale (ABI ${addon.abiVersion}, expected ${NATIVE_ABI_VERSION}); run \`npm run build:native\``,
      ['an up-to-date native build'],
    );
  }
  return { addon, flavor: choice.flavor, path, reason: choice.reason, launcher: detectLauncher(env) };
}
