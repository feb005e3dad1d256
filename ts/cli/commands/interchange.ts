import { Socket } from 'node:net';
import type { Command } from 'commander';
import { loadServerCertificates } from '../../executors/htex/curve.js';
import { Interchange, type InterchangeConfig } from '../../executors/htex/interchange.js';
import { CLIENT_FD } from '../../executors/htex/pipe-codec.js';
import { setFileLogger } from '../../logging.js';

/**
 * `parsl-ts interchange`: started by a HighThroughputExecutor, never by hand. It reads its configuration as one
 * JSON line on stdin, answers with its ports as one JSON line on stdout, and exits when stdin closes (its
 * executor is gone, even if it was killed).
 */
export function registerInterchange(program: Command): void {
  program
    .command('interchange')
    .description(
      'run a HighThroughputExecutor interchange (started by the executor; reads JSON config on stdin)',
    )
    .option('--log-file <path>', 'append the log here')
    .option('--debug', 'log at debug level', false)
    .action(async (opts: { logFile?: string; debug: boolean }) => {
      const log = opts.logFile
        ? setFileLogger(opts.logFile, { name: 'parsl.htex', level: opts.debug ? 'debug' : 'info' })
        : null;
      const config = JSON.parse(await firstLine()) as InterchangeConfig;
      const keys = config.certDir === null ? null : await loadServerCertificates(config.certDir);
      const ix = new Interchange(config, keys, new Socket({ fd: CLIENT_FD, readable: true, writable: true }));
      const ports = await ix.bind();
      process.stdout.write(`${JSON.stringify(ports)}\n`);
      process.stdin.on('end', () => void ix.stop('stdin closed: the executor is gone'));
      process.stdin.resume();
      process.on('SIGTERM', () => void ix.stop('SIGTERM'));
      process.on('SIGINT', () => void ix.stop('SIGINT'));
      await ix.run();
      await log?.close();
      process.exit(0);
    });
}

function firstLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const i = buf.indexOf('\n');
      if (i >= 0) {
        process.stdin.off('data', onData);
        process.stdin.pause();
        resolve(buf.slice(0, i));
      }
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () =>
      reject(new Error('stdin closed before the interchange configuration arrived')),
    );
  });
}
