import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { type KeySet, OptionReader } from '../options.js';
import { SSH_COMMON_OPTIONS, SSHChannel, type SSHChannelOptions } from './ssh.js';

export interface SSHInteractiveLoginChannelOptions extends Omit<SSHChannelOptions, 'password'> {
  /**
   * Asks for the password. @default reads a line from the terminal (stdin) without echoing it
   */
  prompt?: (question: string) => Promise<string>;
}

const INTERACTIVE_OPTIONS = {
  ...SSH_COMMON_OPTIONS,
  prompt: true,
} satisfies KeySet<SSHInteractiveLoginChannelOptions>;

/** Reads one line from stdin; the typed characters are not echoed. */
export function askHidden(question: string, input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  process.stderr.write(question);
  const rl = createInterface({
    input,
    output: muted,
    terminal: (input as { isTTY?: boolean }).isTTY === true,
  });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      process.stderr.write('\n');
      resolve(line);
    });
  });
}

/** An {@link SSHChannel} that asks for the password on the terminal when it first connects. */
export class SSHInteractiveLoginChannel extends SSHChannel {
  readonly #prompt: (question: string) => Promise<string>;
  #answer: Promise<string> | undefined;

  constructor(options: SSHInteractiveLoginChannelOptions) {
    const o = new OptionReader<SSHInteractiveLoginChannelOptions>(
      'SSHInteractiveLoginChannel',
      options,
      INTERACTIVE_OPTIONS,
    );
    super(options, o);
    this.#prompt = o.check<(question: string) => Promise<string>>('prompt', askHidden, (v) =>
      typeof v === 'function' ? null : 'a function (question) => Promise<password>',
    );
  }

  protected override password(): Promise<string> {
    this.#answer ??= this.#prompt(`Enter password for ${this.username}@${this.hostname}: `);
    return this.#answer;
  }
}
