// Native-messaging framing: a 4-byte little-endian length, then that many bytes of UTF-8 JSON,
// both ways (Chrome and Firefox docs). Pure: bytes in, events out; no streams or Buffer, so it can
// be property-tested on its own.
//
// The reader never allocates the announced length up front (keepassxc-proxy's `reserve(length)`
// bug, RELIABILITY N73): it keeps the chunks it was given and copies a body out only once every
// byte of it has arrived. A length over the cap can't be skipped safely (the peer may never send
// that many bytes, and we can't find the next frame boundary without them), so it is fatal: the
// host answers once and closes.

import { MAX_NM_IN_FRAME_BYTES, MAX_NM_OUT_FRAME_BYTES } from '../core/limits.ts';

export type FrameEvent =
  | { readonly kind: 'message'; readonly value: unknown; readonly bytes: number }
  | {
      readonly kind: 'error';
      readonly code: 'FRAME_EMPTY' | 'BAD_UTF8' | 'BAD_JSON';
      readonly message: string;
    }
  | {
      readonly kind: 'fatal';
      readonly code: 'FRAME_TOO_LARGE' | 'FRAME_TRUNCATED';
      readonly message: string;
    };

const HEADER_BYTES = 4;

export class FrameReader {
  private chunks: Uint8Array[] = [];
  /** Bytes held in `chunks`, from `head` of the first chunk on. */
  private have = 0;
  /** Read offset into chunks[0]. */
  private head = 0;
  /** Body length of the frame being read, or -1 while waiting for a header. */
  private need = -1;
  private dead = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxFrameBytes: number = MAX_NM_IN_FRAME_BYTES) {}

  /** Bytes buffered and not yet consumed (tests check this stays bounded). */
  get buffered(): number {
    return this.have;
  }

  get closed(): boolean {
    return this.dead;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    if (this.dead || chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.have += chunk.length;
    const out: FrameEvent[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.have < HEADER_BYTES) break;
        const h = this.take(HEADER_BYTES);
        const len = (h[0]! | (h[1]! << 8) | (h[2]! << 16)) + h[3]! * 0x1000000;
        if (len > this.maxFrameBytes) {
          this.kill();
          out.push({
            kind: 'fatal',
            code: 'FRAME_TOO_LARGE',
            message: `frame of ${len} bytes announced; the limit is ${this.maxFrameBytes}`,
          });
          break;
        }
        if (len === 0) {
          out.push({ kind: 'error', code: 'FRAME_EMPTY', message: 'zero-length frame' });
          continue;
        }
        this.need = len;
      }
      if (this.have < this.need) break;
      const body = this.take(this.need);
      this.need = -1;
      out.push(this.decode(body));
    }
    return out;
  }

  /** The input ended: anything half-read is a truncated frame. */
  end(): Extract<FrameEvent, { kind: 'fatal' }> | null {
    if (this.dead) return null;
    const pending = this.have > 0 || this.need >= 0;
    const partial = this.have;
    this.kill();
    return pending
      ? { kind: 'fatal', code: 'FRAME_TRUNCATED', message: `input ended inside a frame (${partial} bytes)` }
      : null;
  }

  private decode(body: Uint8Array): FrameEvent {
    let text: string;
    try {
      text = this.decoder.decode(body);
    } catch {
      return { kind: 'error', code: 'BAD_UTF8', message: 'frame is not valid UTF-8' };
    }
    try {
      return { kind: 'message', value: JSON.parse(text) as unknown, bytes: body.length };
    } catch (e) {
      return { kind: 'error', code: 'BAD_JSON', message: `frame is not JSON: ${(e as Error).message}` };
    }
  }

  /** Removes exactly n (≤ have) bytes from the front; copies only when they span chunks. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.have -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - filled, c.length - this.head);
      out.set(c.subarray(this.head, this.head + k), filled);
      filled += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.have -= n;
    return out;
  }

  private kill(): void {
    this.dead = true;
    this.chunks = [];
    this.have = 0;
    this.head = 0;
    this.need = -1;
  }
}

const encoder = new TextEncoder();

export type EncodeResult = { ok: true; frame: Uint8Array } | { ok: false; bytes: number };

/** JSON-encodes `value` with its length prefix; refuses (never truncates) a body over `max`. */
export function encodeFrame(value: unknown, max: number = MAX_NM_OUT_FRAME_BYTES): EncodeResult {
  const body = encoder.encode(JSON.stringify(value));
  if (body.length > max) return { ok: false, bytes: body.length };
  const frame = new Uint8Array(HEADER_BYTES + body.length);
  const n = body.length;
  frame[0] = n & 0xff;
  frame[1] = (n >>> 8) & 0xff;
  frame[2] = (n >>> 16) & 0xff;
  frame[3] = (n >>> 24) & 0xff;
  frame.set(body, HEADER_BYTES);
  return { ok: true, frame };
}

/** UTF-8 byte length of a string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Byte length of a value's JSON, as encodeFrame would send it. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value));
}
