// A fixed-size bit set in BEP 3 bitfield order: bit 0 is the high bit of byte 0. Spare bits at the
// end must be zero on the wire.

export class Bitfield {
  readonly length: number;
  readonly bytes: Uint8Array;
  private set_ = 0;

  constructor(length: number, bytes?: Uint8Array) {
    this.length = length;
    const n = Math.ceil(length / 8);
    this.bytes = new Uint8Array(n);
    if (bytes) {
      this.bytes.set(bytes.subarray(0, n));
      const spare = n * 8 - length;
      if (n > 0 && spare > 0) this.bytes[n - 1]! &= 0xff << spare;
      for (let i = 0; i < length; i++) if (this.has(i)) this.set_++;
    }
  }

  /** True when `bytes` is a valid wire bitfield for `length` pieces (right size, spare bits clear). */
  static isValidWire(length: number, bytes: Uint8Array): boolean {
    const n = Math.ceil(length / 8);
    if (bytes.length !== n) return false;
    const spare = n * 8 - length;
    return spare === 0 || (bytes[n - 1]! & ((1 << spare) - 1)) === 0;
  }

  has(i: number): boolean {
    return (this.bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0;
  }

  set(i: number): void {
    if (i < 0 || i >= this.length) throw new RangeError(`bit ${i} out of range ${this.length}`);
    const m = 0x80 >> (i & 7);
    if ((this.bytes[i >> 3]! & m) === 0) {
      this.bytes[i >> 3]! |= m;
      this.set_++;
    }
  }

  clear(i: number): void {
    const m = 0x80 >> (i & 7);
    if ((this.bytes[i >> 3]! & m) !== 0) {
      this.bytes[i >> 3]! &= ~m;
      this.set_--;
    }
  }

  setAll(): void {
    for (let i = 0; i < this.length; i++) this.set(i);
  }

  get count(): number {
    return this.set_;
  }

  get complete(): boolean {
    return this.set_ === this.length;
  }

  clone(): Bitfield {
    return new Bitfield(this.length, this.bytes);
  }
}
