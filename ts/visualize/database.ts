/**
 * Opening a monitoring database for the dashboard: say clearly what a path holds when it is not a parsl-ts
 * database, and add the indexes the dashboard's bounded queries need to a database written before they existed.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { databasePath } from '../monitoring/hub.js';
import { type DatabaseKind, inspect, openForReading, type ReadDb } from '../monitoring/queries.js';
import { DASHBOARD_INDEXES } from '../monitoring/schema.js';
import { VisualizeError } from './errors.js';

const require = createRequire(import.meta.url);

export interface OpenedDatabase {
  readonly path: string;
  readonly db: ReadDb;
  /** `parsl-ts`: every page works. `parsl`: written by Python Parsl (or an old parsl-ts): only the workflow list. */
  readonly kind: Exclude<DatabaseKind, { kind: 'foreign' }>;
  /** Indexes created at open, and why none could be when the file is read-only for us. */
  readonly indexesAdded: readonly string[];
  readonly indexWarning: string | null;
}

/** `--db` as a path or Parsl's `sqlite:///path` URL; refuses a missing file and a foreign one with what it found. */
export function openDashboardDatabase(db: string): OpenedDatabase {
  let path: string;
  try {
    path = databasePath(db, '.');
  } catch (e) {
    throw new VisualizeError(`--db must be a file path or a 'sqlite:///path' URL; got '${db}'`, { cause: e });
  }
  if (!existsSync(path)) {
    throw new VisualizeError(
      `--db ${path}: no such file. Run a workflow with a MonitoringHub first (it writes runinfo/monitoring.db by default), or pass --db PATH`,
    );
  }
  if (!statSync(path).isFile()) throw new VisualizeError(`--db ${path} is not a file`);
  let reader: ReadDb;
  try {
    reader = openForReading(path);
  } catch (e) {
    throw new VisualizeError(`--db ${path} cannot be opened as an SQLite database: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const kind = inspect(reader);
  if (kind.kind === 'foreign') {
    reader.close();
    throw new VisualizeError(`--db ${path}: ${kind.reason}`);
  }
  const { added, warning } = addMissingIndexes(path, reader);
  return { path, db: reader, kind, indexesAdded: added, indexWarning: warning };
}

/** The names of the dashboard's indexes, parsed from their DDL. */
const INDEXES = [...DASHBOARD_INDEXES.matchAll(/CREATE INDEX IF NOT EXISTS (\w+)/g)].map((m) => m[1]!);

/**
 * Creates the dashboard's indexes a database lacks, through a short-lived writable connection (a live hub's
 * writer waits for it and retries, losing nothing). A file we may not write is served without them.
 */
function addMissingIndexes(path: string, reader: ReadDb): { added: string[]; warning: string | null } {
  const have = new Set(
    (reader.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`).all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  const missing = INDEXES.filter((i) => !have.has(i));
  if (missing.length === 0) return { added: [], warning: null };
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  try {
    const w = new Database(path, { fileMustExist: true, timeout: 5_000 });
    try {
      w.exec(DASHBOARD_INDEXES);
    } finally {
      w.close();
    }
    return { added: missing, warning: null };
  } catch (e) {
    return {
      added: [],
      warning: `could not add the index(es) ${missing.join(', ')} to ${path} (${(e as Error).message}): the task Gantt and resource pages read more rows without them`,
    };
  }
}
