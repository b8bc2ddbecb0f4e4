import { escapeControls, jsonText } from './escape.js';

/**
 * Where a command's results go: stdout, with backpressure, so `ls` of a big store streams. Text
 * never carries a control character but its line feeds (escape.ts: callers escape store text
 * with line feeds too; this is the last guard), JSON none at all.
 */
export class Output {
  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {}

  /** Writes `text` and a newline; waits when the pipe is full instead of buffering the store. */
  line(text: string): Promise<void> {
    return this.#write(escapeControls(text, true));
  }

  /** One JSON document, pretty-printed (jq and people both read it). */
  json(value: unknown): Promise<void> {
    return this.#write(jsonText(value, 2));
  }

  /** One JSON value on one line after `prefix` (a streamed array's punctuation). */
  jsonLine(value: unknown, prefix = ''): Promise<void> {
    return this.#write(prefix + jsonText(value));
  }

  async #write(text: string): Promise<void> {
    if (!this.stream.write(text + '\n')) {
      await new Promise<void>((resolve) => this.stream.once('drain', resolve));
    }
  }
}
