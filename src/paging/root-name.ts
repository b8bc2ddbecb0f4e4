import { PagableError } from '../error.js';

/** Root names are at most this many characters. */
export const ROOT_NAME_MAX = 1024;

/** INVALID_ARGUMENT unless `name` is a non-empty string of at most ROOT_NAME_MAX characters. */
export function checkRootName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > ROOT_NAME_MAX) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `root names are non-empty strings of at most ${ROOT_NAME_MAX} characters, got ${JSON.stringify(name)?.slice(0, 80)}`,
    );
  }
}
