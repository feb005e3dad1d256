import { readFileSync } from 'node:fs';

/** This package's version, from its package.json (pools and the interchange check it at registration). */
export const PACKAGE_VERSION: string = readPackageVersion();

function readPackageVersion(): string {
  try {
    const url = new URL('../package.json', import.meta.url);
    return String((JSON.parse(readFileSync(url, 'utf8')) as { version: unknown }).version);
  } catch {
    return 'unknown';
  }
}
