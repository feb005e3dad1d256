#!/usr/bin/env node
import { Command } from 'commander';
import { PACKAGE_VERSION } from '../version.js';
import { subcommands } from './commands/index.js';

/**
 * The `parsl-ts` command. Each subcommand lives in its own module under `commands/` and is listed once in
 * `commands/index.ts`; providers and launchers start interchanges and worker pools through this entry point,
 * exactly as a user on a cluster would.
 */
const program = new Command('parsl-ts')
  .description("Parsl's parallel programming model for Node.js")
  .version(PACKAGE_VERSION, '-V, --version');

for (const register of subcommands) register(program);

await program.parseAsync(process.argv);
