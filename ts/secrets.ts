/**
 * Secrets this process was handed (SSH passwords and passphrases, tokens, cloud keys, private key text): they are
 * masked in every log line ({@link ../logging.ts}) and every parsl-ts error message ({@link ../errors.ts}), so a
 * run directory or a captured stderr can be shared without leaking them. Code that receives a secret registers
 * it with {@link registerSecret} as soon as it reads it.
 */

/** What a masked secret reads as. */
export const REDACTED = '[redacted]';

/**
 * Shorter values are not masked: they would blank out ordinary words, and a secret that short is guessable
 * anyway.
 */
const MIN_LENGTH = 4;

const secrets = new Set<string>();
/** Longest first, so a secret that contains another is masked whole. */
let ordered: string[] = [];

function add(text: string): void {
  if (secrets.has(text)) return;
  secrets.add(text);
  ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** Mask `value` from now on, wherever this process logs or builds an error message. */
export function registerSecret(value: string | Buffer | null | undefined): void {
  if (value === null || value === undefined) return;
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.length >= MIN_LENGTH) add(text);
  // A key file's text may surface line by line (a parser quoting one line): mask its long lines too.
  if (text.includes('\n'))
    for (const line of text.split('\n')) if (line.trim().length >= 16) add(line.trim());
}

/** `text` with every registered secret replaced by {@link REDACTED}. */
export function redact(text: string): string {
  if (ordered.length === 0) return text;
  let out = text;
  for (const s of ordered) if (out.includes(s)) out = out.replaceAll(s, REDACTED);
  return out;
}

const SECRET_NAME = /pass(word|phrase)|token|secret|credential|private_?key|api_?key|auth/i;

/** Option fields and environment variables whose values are secrets by their name (`password`, `GLOBUS_TOKEN`). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Register the values of `env` whose names say they are secrets. */
export function registerSecretEnv(env: Readonly<Record<string, string>>): void {
  for (const [k, v] of Object.entries(env)) if (isSecretName(k)) registerSecret(v);
}
