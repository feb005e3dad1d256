import { basename } from 'node:path';
import { ParslError, registerErrorClass } from '../errors.js';

// `scheme://netloc/path`, or `scheme:/path` without a netloc (`zip:/data/a.zip/member`), as Python's urlparse.
const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/]*)(\/.*)?|(\/.*))$/;

/** A file that cannot be used where it was given (for example a remote URL without a staged local copy). */
export class FileError extends ParslError {}
registerErrorClass(FileError);

/**
 * A file in a workflow, named by a URL (`file://`, `http(s)://`, `ftp://`, `globus://`, `rsync://`) or a plain
 * path. It stringifies to its local path so `` `cat ${inputs[0]}` `` works in a bash app.
 */
export class File {
  readonly url: string;
  readonly scheme: string;
  readonly netloc: string;
  readonly path: string;
  readonly filename: string;
  /** Where a staging provider placed (or will place) a local copy of a remote file. */
  localPath: string | null = null;

  constructor(url: string | URL | { url: string; localPath?: string | null }) {
    const raw = typeof url === 'string' ? url : url instanceof URL ? url.href : url.url;
    if (typeof raw !== 'string' || raw.length === 0)
      throw new FileError('File needs a non-empty URL or path');
    const m = URL_RE.exec(raw);
    this.url = raw;
    if (m) {
      this.scheme = m[1]!.toLowerCase();
      this.netloc = m[2] ?? '';
      this.path = decodeURIComponent(m[3] ?? m[4] ?? '/');
    } else {
      this.scheme = 'file';
      this.netloc = '';
      this.path = raw;
    }
    this.filename = basename(this.path);
    if (typeof url === 'object' && !(url instanceof URL) && url.localPath) this.localPath = url.localPath;
  }

  /** The path a task should read or write: the staged local copy, or the path of a `file` URL. */
  get filepath(): string {
    if (this.localPath !== null) return this.localPath;
    if (this.scheme === 'file') return this.path;
    throw new FileError(
      `File ${this.url} has no local path: pass it to an app in its arguments, inputs or outputs, whose executor stages it through its storageAccess (a provider for '${this.scheme}', see docs/data.md)`,
    );
  }

  /** A copy without staging state, as Parsl's `cleancopy()`. */
  cleancopy(): File {
    return new File(this.url);
  }

  toString(): string {
    return this.filepath;
  }

  toJSON(): { url: string; localPath: string | null } {
    return { url: this.url, localPath: this.localPath };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `File(${this.url}${this.localPath ? ` → ${this.localPath}` : ''})`;
  }
}

/** Wire form of a File inside task arguments (structured clone drops classes). */
export interface FileWire {
  readonly __parslFile: 1;
  readonly url: string;
  readonly localPath: string | null;
}

export function fileToWire(f: File): FileWire {
  return { __parslFile: 1, url: f.url, localPath: f.localPath };
}

export function isFileWire(v: unknown): v is FileWire {
  return typeof v === 'object' && v !== null && (v as { __parslFile?: unknown }).__parslFile === 1;
}

export function fileFromWire(w: FileWire): File {
  return new File({ url: w.url, localPath: w.localPath });
}
