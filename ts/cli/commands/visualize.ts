import { type Command, InvalidArgumentError } from 'commander';
import { VisualizeError } from '../../visualize/errors.js';
import { type Dashboard, startDashboard } from '../../visualize/server.js';

/**
 * `parsl-ts visualize`: the live monitoring dashboard (Parsl's parsl-visualize). Serves until interrupted;
 * loopback by default because the dashboard has no authentication.
 */
export function registerVisualize(program: Command): void {
  program
    .command('visualize')
    .description('serve the live monitoring dashboard of a monitoring database')
    .option(
      '--db <path>',
      "the monitoring database (a path or Parsl's sqlite:///path URL)",
      'runinfo/monitoring.db',
    )
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: a free one)', port, 8080)
    .action(async (o: { db: string; host: string; port: number }) => {
      let d: Dashboard;
      try {
        d = await startDashboard(o);
      } catch (e) {
        if (!(e instanceof VisualizeError)) throw e;
        console.error(`parsl-ts visualize: ${e.message}`);
        process.exitCode = 2;
        return;
      }
      const k = d.database.kind;
      if (k.kind === 'parsl') {
        console.error(
          `${d.database.path} has Parsl's tables but not parsl-ts's summary tables (${k.missing.join(', ')}): it was written by Python Parsl or an older parsl-ts; only the workflow list is available`,
        );
      }
      if (d.database.indexesAdded.length > 0)
        console.error(`added index(es) ${d.database.indexesAdded.join(', ')}`);
      if (d.database.indexWarning !== null) console.error(d.database.indexWarning);
      console.log(`parsl-ts visualize: serving ${d.database.path} at ${d.url}/ (Ctrl-C to stop)`);
      const stop = () => void d.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  }
  return n;
}
