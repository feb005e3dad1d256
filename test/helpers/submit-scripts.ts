/** Render a batch provider's submit script for real, through a stand-in submit command that only answers. */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalChannel } from 'parsl-ts';
import { tempDir } from './paths.js';

interface Submitter {
  submit(command: string, tasksPerNode: number, jobName: string): Promise<string>;
}

/**
 * Builds the provider with a channel whose PATH has `command` (printing `answer`) and a fresh `scriptDir`,
 * submits one block and returns the job id it parsed, the command's arguments and the text of the file ending in `suffix` that it wrote.
 */
export async function renderSubmitScript(
  make: (o: { channel: LocalChannel; scriptDir: string }) => Submitter,
  command: string,
  answer: string,
  suffix = '.submit',
): Promise<{ jobId: string; text: string; args: string[] }> {
  const scriptDir = tempDir('render').path;
  const bin = join(scriptDir, 'bin');
  await mkdir(bin);
  // It records its arguments, one a line, for options that go on the submit command line.
  const record = `printf '%s\\n' "$@" > "$(dirname "$0")/args"`;
  await writeFile(join(bin, command), `#!/bin/bash\n${record}\necho "$FAKE_ANSWER"\n`, { mode: 0o755 });
  const channel = new LocalChannel({ envs: { PATH: `${bin}:${process.env.PATH}`, FAKE_ANSWER: answer } });
  const jobId = await make({ channel, scriptDir }).submit('worker --x', 4, 'parsl.block-0');
  const file = (await readdir(scriptDir)).find((f) => f.endsWith(suffix));
  if (file === undefined) throw new Error(`no *${suffix} file in ${scriptDir}`);
  const args = (await readFile(join(bin, 'args'), 'utf8')).split('\n').slice(0, -1);
  return { jobId, text: await readFile(join(scriptDir, file), 'utf8'), args };
}
