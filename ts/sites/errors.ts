import { ConfigurationError } from '../errors.js';

/** No site of that name, or the host matches none: the message lists every site. */
export class UnknownSite extends ConfigurationError {
  constructor(
    message: string,
    readonly known: readonly string[],
  ) {
    super(`${message}; known sites: ${known.join(', ')}`);
  }
}

/** A required site option is absent: names the option and the file it belongs in. */
export class MissingSiteOption extends ConfigurationError {
  constructor(
    readonly site: string,
    readonly option: string,
    readonly file: string | null,
  ) {
    super(
      file === null
        ? `site ${site} needs option '${option}' and no options file was given: copy site-tests/options.example.json, ` +
            `set '${option}', and pass it with --options FILE (or PARSL_TS_SITE_OPTIONS)`
        : `site ${site} needs option '${option}': add it to ${file}`,
    );
  }
}

/** The options file cannot be read or holds a bad value: names the file and the key. */
export class BadSiteOptions extends ConfigurationError {}

/** The config cannot work at its site (walltime over the queue's limit, a launcher the scheduler lacks). */
export class SiteConfigMismatch extends ConfigurationError {}
