import { tmpdir } from 'node:os';
import { getLogger, ThreadPoolExecutor } from 'parsl-ts';

/** A started pool; stop it with `shutdown()`. */
export async function startPool(maxThreads: number): Promise<ThreadPoolExecutor> {
  const ex = new ThreadPoolExecutor({ maxThreads });
  await ex.start({ runDir: tmpdir(), runId: 'test', logger: getLogger('test.threads') });
  return ex;
}
