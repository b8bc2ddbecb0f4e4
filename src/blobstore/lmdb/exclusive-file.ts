import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';

/**
 * Creates `file` holding `bytes`, failing if it exists (O_EXCL): false then. A write that fails
 * (a full disk) removes the file and throws its error: no half-written file is left for another
 * process to read. Other errors of the creation are thrown as they are.
 */
export function createExclusive(file: string, bytes: Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  let failed: unknown;
  try {
    // writeSync may write part of the bytes (a disk filling up): loop until all are in.
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
  } catch (e) {
    failed = e;
  } finally {
    closeSync(fd);
  }
  if (failed === undefined) return true;
  unlinkSync(file);
  throw failed;
}
