import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import AdmZip from 'adm-zip';
import type { File } from '../../data/file.js';
import type { StagingContext, StagingDirection, StagingStep } from '../../data/staging.js';
import { localPathOf, writeAtomically } from '../atomic.js';
import { ZipAuthorityError } from '../errors.js';
import { withLockFile } from '../lock.js';
import { StepProvider } from './step-provider.js';

/**
 * `zip:/path/to/archive.zip/member/path` Files, in and out. Writers to one archive are serialised with
 * `<archive>.lock`, and each write replaces the archive by rename, so readers never see a half-written zip.
 */
export class ZipFileStaging extends StepProvider {
  constructor() {
    super(
      {
        name: 'ZipFileStaging',
        mode: 'separate-task',
        schemes: ['zip'],
        directions: ['in', 'out'],
        module: import.meta.url,
        exportName: 'zipStage',
      },
      null,
    );
  }

  override step(file: File, direction: StagingDirection, ctx: StagingContext): StagingStep | null {
    splitZipPath(file);
    return super.step(file, direction, ctx);
  }
}

/** `zip:/a/b.zip/c/d.txt` → archive `/a/b.zip`, member `c/d.txt`. */
export function splitZipPath(file: File): { archive: string; member: string } {
  if (file.netloc !== '') {
    throw new ZipAuthorityError(
      `${file.url}: a zip: File names a local archive, write zip:/path/to/a.zip/member`,
    );
  }
  const i = file.path.indexOf('.zip/');
  if (i < 0 || i + 5 >= file.path.length) {
    throw new ZipAuthorityError(
      `${file.url}: a zip: File needs an archive ending in .zip and a member after it`,
    );
  }
  return { archive: file.path.slice(0, i + 4), member: file.path.slice(i + 5) };
}

export async function zipStage(file: File, direction: StagingDirection): Promise<void> {
  const { archive, member } = splitZipPath(file);
  const local = localPathOf(file);
  if (direction === 'in') {
    // Writers replace the archive by rename, so reading needs no lock.
    if (!existsSync(archive)) throw new Error(`zip archive ${archive} does not exist`);
    const entry = new AdmZip(archive).getEntry(member);
    if (entry === null) throw new Error(`zip archive ${archive} has no member '${member}'`);
    const data = entry.getData();
    await writeAtomically(local, (tmp) => writeFile(tmp, data));
    return;
  }
  const data = await readFile(local);
  await withLockFile(`${archive}.lock`, async () => {
    const zip = existsSync(archive) ? new AdmZip(archive) : new AdmZip();
    zip.addFile(member, data);
    // toBuffer is synchronous: adm-zip's async writers report some errors from callbacks, out of reach of a catch.
    const bytes = zip.toBuffer();
    await writeAtomically(archive, (tmp) => writeFile(tmp, bytes));
  });
}
