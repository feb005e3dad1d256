import { ParslError, registerErrorClass } from '../errors.js';

/** A launcher was asked for something it cannot express (e.g. a bad count or a bad option). */
export class BadLauncher extends ParslError {}

registerErrorClass(BadLauncher);
