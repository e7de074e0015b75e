/**
 * Strategy snapshots: what a strategy is now, not how it got here. A snapshot is plain JSON (counters,
 * generator state, population, rungs) plus the float64 arrays (REINFORCE's controller weights and
 * Adam moments, the dedup ledger's architecture hashes) as one little-endian byte string, which
 * Temporal carries as a binary payload: 0.9 MB for the default controller (hidden 64, NASNet space)
 * where base64 in JSON would take 1.2 MB, and exact, unlike rounded decimals.
 */

/** The float64 arrays of a snapshot, written and read back in the same order. */
export class Float64Tape {
  private readonly chunks: Float64Array[] = [];
  private readonly values: Float64Array;
  private position = 0;

  private constructor(values: Float64Array) {
    this.values = values;
  }

  static writing(): Float64Tape {
    return new Float64Tape(new Float64Array(0));
  }

  static reading(bytes: Uint8Array): Float64Tape {
    if (bytes.byteLength % 8 !== 0)
      throw new RangeError(
        `strategy snapshot: ${bytes.byteLength} bytes of arrays is not a whole number of float64 values`,
      );
    // A copy: the payload's bytes may not start on an 8-byte boundary.
    return new Float64Tape(new Float64Array(bytes.slice().buffer));
  }

  write(values: ArrayLike<number>): void {
    this.chunks.push(Float64Array.from(values));
  }

  read(length: number): Float64Array {
    if (this.position + length > this.values.length) {
      throw new RangeError(
        `strategy snapshot: wants ${length} more float64 values at ${this.position}, the arrays hold ${this.values.length}`,
      );
    }
    const out = this.values.slice(this.position, this.position + length);
    this.position += length;
    return out;
  }

  /** Throws unless every value written was read: a snapshot of another shape. */
  end(): void {
    if (this.position !== this.values.length) {
      throw new RangeError(`strategy snapshot: ${this.values.length - this.position} float64 values left unread`);
    }
  }

  bytes(): Uint8Array {
    const length = this.chunks.reduce((sum, c) => sum + c.length, 0);
    const all = new Float64Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    return new Uint8Array(all.buffer);
  }
}

/** A strategy that can say what it is and become it again. */
export interface Snapshotting {
  /** JSON of the strategy's own state; its float64 arrays go to the tape. */
  snapshot(tape: Float64Tape): unknown;
  /** Sets the state of a freshly built strategy (same config, space and seed) to a snapshot's. */
  restore(state: unknown, tape: Float64Tape): void;
}
