import { join } from 'node:path';
import type { Command } from 'commander';
import { CHECKPOINT_FILE, getAllCheckpoints, readCheckpoint } from '../../dataflow/memo/checkpoint.js';

/** `parsl-ts checkpoints [runinfo]`: list the checkpoints under a run directory with their record counts. */
export function registerCheckpoints(program: Command): void {
  program
    .command('checkpoints')
    .description('list checkpoint directories (numeric run order) and how many results each holds')
    .argument('[runDir]', 'the base run directory', 'runinfo')
    .option('--json', 'print JSON', false)
    .action(async (runDir: string, opts: { json: boolean }) => {
      const rows: Array<{ dir: string; records: number }> = [];
      for (const dir of getAllCheckpoints(runDir)) {
        rows.push({ dir, records: (await readCheckpoint(join(dir, CHECKPOINT_FILE))).length });
      }
      if (opts.json) console.log(JSON.stringify(rows));
      else if (rows.length === 0) console.log(`no checkpoints under ${runDir}`);
      else for (const r of rows) console.log(`${r.dir}\t${r.records} result(s)`);
    });
}
