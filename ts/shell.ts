/** Quoting for the bash command lines the package writes (job scripts, launcher lines, pool commands). */

/** Quotes a string for bash as one word, always. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** One bash word: bare when it holds only characters bash leaves alone (readable command lines), else quoted. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : shellQuote(value);
}
