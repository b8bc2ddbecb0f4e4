/** Where a command's results go: stdout, with backpressure, so `ls` of a big store streams. */
export class Output {
  constructor(private readonly stream: NodeJS.WritableStream = process.stdout) {}

  /** Writes `text` and a newline; waits when the pipe is full instead of buffering the store. */
  async line(text: string): Promise<void> {
    if (!this.stream.write(text + '\n')) {
      await new Promise<void>((resolve) => this.stream.once('drain', resolve));
    }
  }

  /** One JSON document, pretty-printed (jq and people both read it). */
  async json(value: unknown): Promise<void> {
    await this.line(JSON.stringify(value, null, 2));
  }
}
