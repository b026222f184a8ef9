// Reusable piece buffers. A download allocates one buffer per piece; freed buffers are only
// returned to the OS at the next garbage collection, so at hundreds of MB/s the dead ones pile
// up (measured: +90 MB RSS on a 1 GiB loopback download). Reusing a bounded set keeps memory flat
// and skips the page faults of fresh allocations.

export class BufferPool {
  private readonly free: Uint8Array[] = [];

  constructor(
    private readonly size: number,
    private readonly maxFree: number,
  ) {}

  take(length: number): Uint8Array {
    if (length !== this.size) return new Uint8Array(length);
    return this.free.pop() ?? new Uint8Array(this.size);
  }

  /** Gives a buffer back; it must no longer be referenced by the caller. */
  give(b: Uint8Array): void {
    if (b.byteLength !== this.size || b.byteOffset !== 0 || b.buffer.byteLength !== this.size) return;
    if (this.free.length < this.maxFree) this.free.push(b);
  }
}
