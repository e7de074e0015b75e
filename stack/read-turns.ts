/**
 * Client reads take turns for the owner's only PGlite session, one at a time: a client's read
 * enters PGlite's own queue (where the owner's writes wait too, first come first served) only
 * once the read before it has left it. So an owner's write waits behind one client read at most,
 * however many clients there are; the clients wait for each other instead.
 *
 * PGlite runs a read without yielding, and one poll of the event loop delivers every client's
 * next statement at once: reads would run back to back before the owner's timers and I/O could
 * queue a write. So a turn ends one whole turn of the event loop after its read (two checks
 * later), and the next read waits for that.
 */
export class ReadTurns {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  /** Resolves once it is this read's turn, with the function that ends the turn. */
  async take(): Promise<() => void> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.busy = true;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      setImmediate(() => setImmediate(() => this.handOn()));
    };
  }

  private handOn(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}
