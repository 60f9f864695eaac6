// A progress bar for long CLI tasks: redrawn in place on a terminal, silent otherwise (logs and
// pipes get the final summary line only).

/** Shows `label [#####.....] done/total rate ETA` on stderr when it is a TTY. */
export class ProgressBar {
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Reports `done` items finished, with an optional extra text (e.g. the loss). */
  update(done: number, extra = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < this.total) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    this.stream.write(
      `\r${this.label} [${bar}] ${done}/${this.total} ${rate.toFixed(1)}/s ETA ${eta.toFixed(0)}s ${extra}\x1b[K`,
    );
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.tty) this.stream.write('\n');
  }
}
