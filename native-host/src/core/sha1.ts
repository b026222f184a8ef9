// SHA-1 (FIPS 180-4 §6.1) in plain TypeScript over Uint8Array. Pure and browser-safe so that the
// metainfo layer (info-hash, BEP 3) and the extension can hash without node:crypto. The hot path
// (piece verification) uses node:crypto in worker threads instead (DESIGN.md rule 12); this one is
// for info dicts and small inputs, where simplicity beats speed.

const BLOCK = 64;

/** Incremental SHA-1: `update` any number of times, then `digest` once. */
export class Sha1 {
  private readonly h = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);
  private readonly w = new Int32Array(80);
  private readonly block = new Uint8Array(BLOCK);
  private blockLen = 0;
  /** Total bytes hashed; a JS number is exact up to 2^53, far beyond any input we hash. */
  private total = 0;
  private done = false;

  update(data: Uint8Array): this {
    if (this.done) throw new Error('sha1: update after digest');
    let i = 0;
    this.total += data.length;
    if (this.blockLen > 0) {
      const take = Math.min(BLOCK - this.blockLen, data.length);
      this.block.set(data.subarray(0, take), this.blockLen);
      this.blockLen += take;
      i = take;
      if (this.blockLen < BLOCK) return this;
      this.compress(this.block, 0);
      this.blockLen = 0;
    }
    for (; i + BLOCK <= data.length; i += BLOCK) this.compress(data, i);
    if (i < data.length) {
      this.block.set(data.subarray(i), 0);
      this.blockLen = data.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    if (this.done) throw new Error('sha1: digest called twice');
    this.done = true;
    // Padding: 0x80, zeros, then the bit length as a 64-bit big-endian integer.
    const bits = this.total * 8;
    const pad = new Uint8Array((this.blockLen < 56 ? 64 : 128) - this.blockLen);
    pad[0] = 0x80;
    const n = pad.length;
    const hi = Math.floor(bits / 0x1_0000_0000);
    const lo = bits >>> 0;
    pad[n - 8] = hi >>> 24;
    pad[n - 7] = hi >>> 16;
    pad[n - 6] = hi >>> 8;
    pad[n - 5] = hi;
    pad[n - 4] = lo >>> 24;
    pad[n - 3] = lo >>> 16;
    pad[n - 2] = lo >>> 8;
    pad[n - 1] = lo;
    this.done = false;
    this.total -= n; // padding does not count towards the message length
    this.update(pad);
    this.done = true;
    const out = new Uint8Array(20);
    for (let k = 0; k < 5; k++) {
      const v = this.h[k]!;
      out[k * 4] = v >>> 24;
      out[k * 4 + 1] = v >>> 16;
      out[k * 4 + 2] = v >>> 8;
      out[k * 4 + 3] = v;
    }
    return out;
  }

  private compress(b: Uint8Array, o: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++) {
      const p = o + t * 4;
      w[t] = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    const h = this.h;
    let a = h[0]!;
    let bb = h[1]!;
    let c = h[2]!;
    let d = h[3]!;
    let e = h[4]!;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6;
      }
      const tmp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = tmp;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + bb) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
  }
}

/** SHA-1 of one buffer. */
export function sha1(data: Uint8Array): Uint8Array {
  return new Sha1().update(data).digest();
}
