import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { LOCAL_EXECUTORS, loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';
import { processesWith } from '../helpers/processes.js';

const { bashApp, File, AUTO_LOGNAME } = parsl;

describe.each(LOCAL_EXECUTORS)('bash apps on %s', (_name, makeExecutor) => {
  let teardown: () => Promise<void>;
  let dfk: parsl.DataFlowKernel;
  let dir: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    ({ teardown, dfk } = await loadKernel({ executors: [makeExecutor()] }));
    dir = tempDir('bash-apps');
  });
  afterEach(async () => {
    await teardown();
    dir.remove();
  });

  test.each([
    ['exit 15', 15],
    ['this_command_does_not_exist_anywhere', 127],
    ['/dev/null', 126],
    ['echo $((5/0))', 1],
  ])('`%s` fails with BashExitFailure.exitcode %i', async (cmd, code) => {
    const run = bashApp((c: string) => c);
    const e = await run(cmd).exception();
    expect(e).toBeInstanceOf(parsl.BashExitFailure);
    expect((e as parsl.BashExitFailure).exitcode).toBe(code);
  });

  test('a successful command resolves to 0 and writes its outputs; DataFutures resolve to the File', async () => {
    const echo = bashApp((msg: string, kw: parsl.AppKwargs) => `echo ${msg} > ${kw.outputs![0]}`);
    const out = join(dir.path, 'hello.txt');
    const f = echo('hello', { outputs: [new File(out)] });
    expect(f.outputs).toHaveLength(1);
    expect(await f).toBe(0);
    const file = await f.outputs[0]!;
    expect(file).toBeInstanceOf(File);
    expect(file.filepath).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe('hello\n');
  });

  test('outputs chain into inputs of the next app', async () => {
    const write = bashApp((kw: parsl.AppKwargs) => `echo 21 > ${kw.outputs![0]}`);
    const twice = bashApp(
      (kw: parsl.AppKwargs) => `echo $(( $(cat ${(kw.inputs as parsl.File[])[0]}) * 2 )) > ${kw.outputs![0]}`,
    );
    const a = write({ outputs: [new File(join(dir.path, 'a'))] });
    const b = twice({ inputs: [a.outputs[0]], outputs: [new File(join(dir.path, 'b'))] });
    await b;
    expect(readFileSync(join(dir.path, 'b'), 'utf8').trim()).toBe('42');
  });

  test('a missing output fails with MissingOutputs naming the file', async () => {
    const nothing = bashApp((_kw: parsl.AppKwargs) => 'true');
    const missing = join(dir.path, 'never-written');
    const e = await nothing({ outputs: [new File(missing)] }).exception();
    expect(e).toBeInstanceOf(parsl.MissingOutputs);
    expect(e!.message).toContain(missing);
    expect((e as parsl.MissingOutputs).outputs).toEqual([missing]);
  });

  test('stdout/stderr: path appends, [path, "w"] truncates, the header goes to stderr', async () => {
    const say = bashApp((msg: string, _kw: parsl.AppKwargs) => `echo ${msg}; echo err-${msg} >&2`);
    const out = join(dir.path, 'out.txt');
    const err = join(dir.path, 'err.txt');
    await say('one', { stdout: out, stderr: err });
    await say('two', { stdout: out, stderr: err });
    expect(readFileSync(out, 'utf8')).toBe('one\ntwo\n');
    expect(readFileSync(err, 'utf8')).toContain('--> executable follows <--');
    expect(readFileSync(err, 'utf8')).toContain('err-two');
    await say('three', { stdout: [out, 'w'], stderr: [err, 'w'] });
    expect(readFileSync(out, 'utf8')).toBe('three\n');
  });

  test('AUTO_LOGNAME puts streams under <runDir>/task_logs and shows the path', async () => {
    const say = bashApp((_kw: parsl.AppKwargs) => 'echo auto');
    const f = say({ stdout: AUTO_LOGNAME, stderr: AUTO_LOGNAME });
    await f;
    const expected = join(
      dfk.runDir,
      'task_logs',
      '0000',
      `task_${String(f.tid).padStart(4, '0')}_anonymous.stdout`,
    );
    expect(f.stdout).toBe(expected);
    expect(f.stderr).toBe(expected.replace(/stdout$/, 'stderr'));
    expect(readFileSync(expected, 'utf8')).toBe('auto\n');
  });

  test('a bad stdout specification fails the task with BadStdStreamFile', async () => {
    const say = bashApp((_kw: parsl.AppKwargs) => 'echo x');
    const e1 = await say({ stdout: [join(dir.path, 'x'), 'w', 'extra'] as never }).exception();
    expect(e1).toBeInstanceOf(parsl.BadStdStreamFile);
    const notADir = join(dir.path, 'plain-file');
    writeFileSync(notADir, '');
    const e2 = await say({ stdout: join(notADir, 'sub', 'out.txt') }).exception();
    expect(e2).toBeInstanceOf(parsl.BadStdStreamFile);
  });

  test('a function returning nothing or a non-string fails clearly', async () => {
    const none = bashApp(() => undefined);
    expect(await none().exception()).toBeInstanceOf(parsl.BashAppNoReturn);
    const number = bashApp(() => 42 as unknown as string);
    expect(await number().exception()).toBeInstanceOf(parsl.AppBadFormatting);
    const broken = bashApp((kw: { files: string[] }) => `cat ${kw.files[0]}`);
    expect(await broken({} as never).exception()).toBeInstanceOf(parsl.AppBadFormatting);
  });

  test('walltime kills the whole process group: AppTimeout and no child left running', async () => {
    const marker = `parsl_ts_walltime_${process.pid}_${Date.now()}`;
    const sleeper = bashApp(
      (m: string, _kw: parsl.AppKwargs) => `bash -c "exec -a ${m} sleep 30" & sleep 30`,
    );
    const e = await sleeper(marker, { walltime: 0.5 }).exception();
    expect(e).toBeInstanceOf(parsl.AppTimeout);
    await eventually(() => processesWith(marker).length === 0, { what: `no ${marker} left running` });
  });

  test('File arguments stringify to their path inside the command', async () => {
    const src = join(dir.path, 'in.txt');
    writeFileSync(src, 'content\n');
    const copy = bashApp((f: parsl.File, kw: parsl.AppKwargs) => `cp ${f} ${kw.outputs![0]}`);
    const dst = join(dir.path, 'copy.txt');
    await copy(new File(src), { outputs: [new File(dst)] });
    expect(existsSync(dst)).toBe(true);
  });
});
