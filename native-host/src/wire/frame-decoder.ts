// The one bounded frame decoder every peer socket read goes through (DESIGN.md §4 rule 2).
//
// BEP 3 frames are `<u32 length><u8 id><payload>`; length 0 is a keep-alive. The decoder checks the
// length prefix against `maxFrame` as soon as its 4 bytes are here, and the id's exact or bounded
// length (FIXED_FRAME_LENGTH and the rules below) as soon as the id byte is here — before a single
// payload byte is kept — so a peer announcing 0xffffffff costs us 4 bytes, not 4 GiB (RELIABILITY
// P29; libtorrent checks on the header too, Transmission and bittorrent-protocol did not).
//
// Buffering: a queue of the caller's chunks plus a read position, never concat-per-chunk. A frame
// that sits inside one chunk is returned as a view (zero copy); one that straddles chunks is copied
// once into a buffer of its exact, already validated size. A 16 KiB piece arriving 1 byte at a time
// costs O(n) in all.
//
// Usage contract: after each push(), call next() until it returns null. Then `buffered` stays below
// maxFrame (one partial frame), and right after a push it is at most maxFrame + that chunk's length.
//
// View lifetime: `piece.block`, `bitfield.bits` and `extended.payload` may alias the chunks given to
// push(). The decoder never writes to them and drops its own references once consumed, so the views
// stay valid as long as the caller does not reuse or mutate the chunk buffers it pushed (Node socket
// 'data' chunks are fresh allocations, so they are safe). A caller that keeps a block beyond the
// current tick should copy it into its piece buffer, which the requester does anyway.
//
// Unknown ids: BEP 3 does not say; BEP 10 reserves id 20 so that clients can add messages, and
// libtorrent/Transmission log and skip unknown ids. We skip an unknown message whose length is within
// maxFrame without buffering it (bytes are dropped as they arrive) and count it in `skipped`; with
// `unknownIds: 'reject'` it is PEER_UNKNOWN_MESSAGE instead (RELIABILITY P31: one rule, tested).
//
// After an error the decoder is dead: every later call rethrows the same error, because the stream
// is no longer aligned to frame boundaries and the peer must be dropped.

import { Bitfield } from '../core/bitfield.ts';
import { MagnetarError } from '../core/errors.ts';
import { BLOCK_SIZE, MAX_PEER_FRAME_BYTES, MAX_PIECES } from '../core/limits.ts';
import {
  decodeBody,
  FAST_IDS,
  FIXED_FRAME_LENGTH,
  isKnownId,
  MessageId,
  type MessageIdValue,
  type PeerMessage,
} from './messages.ts';

/** Largest BEP 10 payload (after the extension id byte); libtorrent uses the same 1 MiB. */
export const DEFAULT_MAX_EXTENDED = 1024 * 1024;
/** A bitfield before the piece count is known is capped at MAX_PIECES bits (RELIABILITY P32). */
export const MAX_BITFIELD_BYTES = Math.ceil(MAX_PIECES / 8);

export interface FrameDecoderOptions {
  /** Largest frame in bytes, the 4-byte length prefix included. */
  maxFrame?: number;
  /** Pieces in the torrent, when known: bitfields must then be exactly ceil(n/8) bytes. */
  pieceCount?: number;
  /** Largest extended (BEP 10) payload after the extension id byte. */
  maxExtended?: number;
  /**
   * Largest block in a `piece` message. We only ever request BLOCK_SIZE blocks, so anything longer
   * is unrequested; RELIABILITY P36 (libtorrent packet_too_large) drops the peer on the header.
   */
  maxBlock?: number;
  /** BEP 6 negotiated by both sides. If false, fast messages are PEER_PROTOCOL (BEP 6 "MUST close"). */
  fast?: boolean;
  /** BEP 10 negotiated by both sides. If false, id 20 is PEER_PROTOCOL. */
  extended?: boolean;
  /** What to do with an id this codec does not know (see the header comment). */
  unknownIds?: 'skip' | 'reject';
}

const EMPTY = new Uint8Array(0);

export class FrameDecoder {
  private readonly maxFrame: number;
  private readonly maxExtended: number;
  private readonly maxBlock: number;
  private readonly fast: boolean;
  private readonly extended: boolean;
  private readonly rejectUnknown: boolean;
  private pieceCount: number | undefined;

  private chunks: Uint8Array[] = [];
  /** Index of the first chunk with unread bytes, and the read position inside it. */
  private head = 0;
  private offset = 0;
  private buffered_ = 0;
  /** Header consumed and validated; waiting for `bodyLength` bytes after the id. */
  private pending: { id: MessageIdValue; bodyLength: number } | null = null;
  /** Bytes of an unknown message still to be dropped. */
  private skipping = 0;
  private error: MagnetarError | null = null;
  /** Unknown messages skipped so far (a caller may score a peer that sends many). */
  skipped = 0;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxFrame = opts.maxFrame ?? MAX_PEER_FRAME_BYTES;
    if (!Number.isSafeInteger(this.maxFrame) || this.maxFrame < 17) {
      throw new RangeError(`maxFrame ${this.maxFrame} cannot hold a request message`);
    }
    this.maxExtended = opts.maxExtended ?? DEFAULT_MAX_EXTENDED;
    this.maxBlock = opts.maxBlock ?? BLOCK_SIZE;
    this.fast = opts.fast ?? true;
    this.extended = opts.extended ?? true;
    this.rejectUnknown = opts.unknownIds === 'reject';
    if (opts.pieceCount !== undefined) this.setPieceCount(opts.pieceCount);
  }

  /** Unread bytes held (the memory this peer costs us beyond the views already handed out). */
  get buffered(): number {
    return this.buffered_;
  }

  /** Called once the metadata arrives (magnet links): later bitfields must match exactly. */
  setPieceCount(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_PIECES) throw new RangeError(`bad piece count ${n}`);
    this.pieceCount = n;
  }

  /** Queues a chunk and checks the next frame's header at once; throws a peer-fault MagnetarError. */
  push(chunk: Uint8Array): void {
    this.rethrow();
    let c = chunk;
    if (this.skipping > 0) {
      // Drop an unknown message's bytes as they arrive: they are never buffered.
      const k = Math.min(this.skipping, c.length);
      this.skipping -= k;
      c = c.subarray(k);
    }
    if (c.length === 0) return;
    this.chunks.push(c);
    this.buffered_ += c.length;
    this.guard(() => {
      if (this.pending !== null || this.skipping > 0 || this.buffered_ < 4) return;
      const length = this.peekU32();
      if (length === 0) return;
      this.checkHeader(length, this.buffered_ >= 5 ? this.peekByte(4) : undefined);
    });
  }

  /**
   * Copies the unread bytes to `dst` (which must hold `buffered` bytes) and returns how many.
   * With rebase(), lets a caller that reuses its read buffers keep the decoder's leftovers in
   * memory it owns.
   */
  copyUnreadTo(dst: Uint8Array): number {
    let o = 0;
    for (let h = this.head; h < this.chunks.length; h++) {
      const c = h === this.head ? this.chunks[h]!.subarray(this.offset) : this.chunks[h]!;
      dst.set(c, o);
      o += c.length;
    }
    return o;
  }

  /**
   * Replaces the unread bytes with `bytes`, which must begin with exactly those bytes (see
   * copyUnreadTo) and may continue with newly received ones. Header state is kept.
   */
  rebase(bytes: Uint8Array): void {
    this.rethrow();
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.buffered_ = 0;
    this.push(bytes);
  }

  /** The next complete message, or null until more bytes arrive. */
  next(): PeerMessage | null {
    this.rethrow();
    return this.guard(() => this.step());
  }

  private step(): PeerMessage | null {
    for (;;) {
      if (this.skipping > 0) {
        const k = Math.min(this.skipping, this.buffered_);
        this.advance(k);
        this.skipping -= k;
        if (this.skipping > 0) return null;
      }
      if (this.pending === null) {
        if (this.buffered_ < 4) return null;
        const length = this.peekU32();
        if (length === 0) {
          this.advance(4);
          return { type: 'keep-alive' };
        }
        this.checkHeader(length, undefined);
        if (this.buffered_ < 5) return null;
        const id = this.peekByte(4);
        this.checkHeader(length, id);
        this.advance(5);
        if (!isKnownId(id)) {
          this.skipped++;
          this.skipping = length - 1;
          continue;
        }
        this.pending = { id, bodyLength: length - 1 };
      }
      if (this.buffered_ < this.pending.bodyLength) return null;
      const { id, bodyLength } = this.pending;
      this.pending = null;
      return this.finish(id, this.take(bodyLength));
    }
  }

  /** Every check that needs only the length prefix (and the id, once it is here). */
  private checkHeader(length: number, id: number | undefined): void {
    if (length > this.maxFrame - 4) {
      throw this.fail(
        'PEER_FRAME_TOO_LARGE',
        `frame of ${length} bytes exceeds ${this.maxFrame}`,
        length,
        id,
      );
    }
    if (id === undefined) return;
    if (!isKnownId(id)) {
      if (this.rejectUnknown) throw this.fail('PEER_UNKNOWN_MESSAGE', `unknown message id ${id}`, length, id);
      return;
    }
    if (FAST_IDS.has(id) && !this.fast) {
      throw this.fail('PEER_PROTOCOL', `fast-extension message ${id} without BEP 6`, length, id);
    }
    if (id === MessageId.EXTENDED && !this.extended) {
      throw this.fail('PEER_PROTOCOL', 'extended message without BEP 10', length, id);
    }
    const fixed = FIXED_FRAME_LENGTH.get(id);
    if (fixed !== undefined) {
      if (length !== fixed)
        throw this.fail('PEER_BAD_LENGTH', `message ${id} must be ${fixed} bytes`, length, id);
      return;
    }
    if (id === MessageId.BITFIELD) {
      if (this.pieceCount !== undefined) {
        const want = 1 + Math.ceil(this.pieceCount / 8);
        if (length !== want) throw this.fail('PEER_BAD_LENGTH', `bitfield must be ${want} bytes`, length, id);
      } else if (length - 1 > MAX_BITFIELD_BYTES) {
        throw this.fail('PEER_FRAME_TOO_LARGE', 'bitfield longer than MAX_PIECES bits', length, id);
      }
    } else if (id === MessageId.PIECE) {
      // BEP 3: <index><begin><block>; 9 bytes with the id is the smallest well-formed piece.
      if (length < 9) throw this.fail('PEER_BAD_LENGTH', 'piece shorter than its header', length, id);
      if (length - 9 > this.maxBlock) {
        throw this.fail('PEER_FRAME_TOO_LARGE', `piece block over ${this.maxBlock} bytes`, length, id);
      }
    } else if (id === MessageId.EXTENDED) {
      // BEP 10: <id=20><extended id><payload>; the extended id byte is mandatory.
      if (length < 2) throw this.fail('PEER_BAD_LENGTH', 'extended message without its id', length, id);
      if (length - 2 > this.maxExtended) {
        throw this.fail('PEER_FRAME_TOO_LARGE', `extended payload over ${this.maxExtended}`, length, id);
      }
    }
  }

  private finish(id: MessageIdValue, body: Uint8Array): PeerMessage {
    if (id === MessageId.BITFIELD && this.pieceCount !== undefined) {
      // Re-checked here: setPieceCount() may have run after this header was validated.
      if (body.length !== Math.ceil(this.pieceCount / 8)) {
        throw this.fail(
          'PEER_BAD_LENGTH',
          'bitfield length does not match the piece count',
          body.length + 1,
          id,
        );
      }
      if (!Bitfield.isValidWire(this.pieceCount, body)) {
        throw this.fail('PEER_PROTOCOL', 'bitfield has spare bits set', body.length + 1, id);
      }
    }
    return decodeBody(id, body);
  }

  private fail(
    code: 'PEER_FRAME_TOO_LARGE' | 'PEER_BAD_LENGTH' | 'PEER_UNKNOWN_MESSAGE' | 'PEER_PROTOCOL',
    message: string,
    length: number,
    id: number | undefined,
  ): MagnetarError {
    return new MagnetarError(code, `peer wire: ${message}`, { length, id });
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof MagnetarError) this.error = e;
      throw e;
    }
  }

  private rethrow(): void {
    if (this.error) throw this.error;
  }

  /** Byte `i` past the read position; the caller knows `i < buffered`. Walks at most 5 chunks. */
  private peekByte(i: number): number {
    let h = this.head;
    let at = this.offset + i;
    while (at >= this.chunks[h]!.length) {
      at -= this.chunks[h]!.length;
      h++;
    }
    return this.chunks[h]![at]!;
  }

  private peekU32(): number {
    const first = this.chunks[this.head]!;
    if (first.length - this.offset >= 4) {
      const o = this.offset;
      return ((first[o]! << 24) | (first[o + 1]! << 16) | (first[o + 2]! << 8) | first[o + 3]!) >>> 0;
    }
    return (
      ((this.peekByte(0) << 24) | (this.peekByte(1) << 16) | (this.peekByte(2) << 8) | this.peekByte(3)) >>> 0
    );
  }

  /** Removes `n` bytes (n ≤ buffered) and returns them: a view if they sit in one chunk, else one copy. */
  private take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const first = this.chunks[this.head]!;
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return view;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[this.head]!;
      const k = Math.min(c.length - this.offset, n - o);
      out.set(c.subarray(this.offset, this.offset + k), o);
      o += k;
      this.advance(k);
    }
    return out;
  }

  /** Drops `n` unread bytes (n ≤ buffered), releasing chunks that are fully read. */
  private advance(n: number): void {
    this.buffered_ -= n;
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.head]!;
      const k = Math.min(c.length - this.offset, left);
      this.offset += k;
      left -= k;
      if (this.offset === c.length) {
        this.chunks[this.head] = EMPTY; // release the caller's buffer
        this.head++;
        this.offset = 0;
      }
    }
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      // Amortised O(1): compact only once the consumed prefix is at least half the queue.
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
