/**
 * Data staging: an app reads an `http://` input and writes a `zip:` output; the executor's default providers
 * download the input before the task and add the output to the archive after it.
 * `node --import tsx examples/staging.ts`
 *
 * The example serves its own input on 127.0.0.1 so it runs offline; any http(s) URL works the same way.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import * as parsl from 'parsl-ts';

const server = createServer((_req, res) => res.end('pear\napple\nfig\n'));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fruit.txt`;

const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-staging-'));
const sortApp = parsl.bashApp(
  (kw: parsl.AppKwargs) => `sort ${(kw.inputs as parsl.File[])[0]} > ${kw.outputs![0]}`,
);

// workingDir: where staged copies live while tasks use them. The default storageAccess stages local files
// (no-op), http(s), ftp and zip.
const dfk = await parsl.load(
  new parsl.Config({
    executors: [new parsl.ThreadPoolExecutor({ maxThreads: 2, workingDir: join(dir, 'work') })],
  }),
);
try {
  const archive = join(dir, 'results.zip');
  const sorted = sortApp({
    inputs: [new parsl.File(url)],
    outputs: [new parsl.File(`zip:${archive}/fruit/sorted.txt`)],
  });
  // The DataFuture completes once the member is in the archive.
  await sorted.outputs[0]!;
  const member = new AdmZip(archive).readAsText('fruit/sorted.txt');
  console.log(`fruit/sorted.txt in ${archive}: ${member.trim().split('\n').join(', ')}`);
} finally {
  await dfk.cleanup();
  server.close();
}
