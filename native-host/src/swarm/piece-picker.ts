// Which blocks to ask which peer for (BEP 3 leaves the strategy to the client; this is the
// libtorrent/Transmission consensus):
//  1. finish pieces already started (keeps partial pieces, and the memory they hold, few);
//  2. otherwise start the rarest piece the peer has, ties broken from a random offset so that
//     peers spread over the torrent;
//  3. endgame: once every missing block is requested, a block may be asked of a second peer, and
//     the duplicates are cancelled when the first copy arrives.
//
// States of a block in a partial piece: missing → requested(n ≥ 1) → received. A hash failure
// sends every block of the piece back to missing. Pure: no I/O, no clock; the caller owns timing.

import type { Bitfield } from '../core/bitfield.ts';
import { BLOCK_SIZE } from '../core/limits.ts';
import type { BufferPool } from './buffer-pool.ts';

export interface BlockRef {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

export class PartialPiece {
  readonly index: number;
  readonly length: number;
  readonly blockCount: number;
  /** How many peers each block is requested from right now. */
  readonly requested: Uint8Array;
  readonly received: Uint8Array;
  receivedCount = 0;
  /** Lazily allocated: a piece only costs memory once data arrives. */
  private data_: Uint8Array | null = null;
  /** Peers that sent blocks of this piece: the suspects if it fails its hash. */
  readonly contributors = new Set<string>();
  /**
   * Set for a piece on parole: it failed its hash with several contributors, so it is fetched
   * again from one peer alone, which tells who sent the bad data.
   */
  readonly owner: string | null;
  private readonly pool: BufferPool | null;

  constructor(index: number, length: number, owner: string | null = null, pool: BufferPool | null = null) {
    this.pool = pool;
    this.index = index;
    this.owner = owner;
    this.length = length;
    this.blockCount = Math.ceil(length / BLOCK_SIZE);
    this.requested = new Uint8Array(this.blockCount);
    this.received = new Uint8Array(this.blockCount);
  }

  get data(): Uint8Array {
    // A whole ArrayBuffer of its own, so it can be lent to a hash worker (storage/hasher.ts).
    this.data_ ??= this.pool ? this.pool.take(this.length) : new Uint8Array(this.length);
    return this.data_;
  }

  get complete(): boolean {
    return this.receivedCount === this.blockCount;
  }

  blockLength(block: number): number {
    return block === this.blockCount - 1 ? this.length - block * BLOCK_SIZE : BLOCK_SIZE;
  }

  /** Releases the buffer; the caller has taken `data` for hashing and writing. */
  takeData(): Uint8Array {
    const d = this.data;
    this.data_ = null;
    return d;
  }
}

export interface PickerOptions {
  pieceCount: number;
  pieceLength: number;
  lastPieceLength: number;
  /**
   * Cap on pieces in progress, which bounds piece-buffer memory. A new piece is started only
   * when every block of the open ones is requested, so the cap is rarely reached; when it is,
   * fast peers fall through to endgame duplicates instead of idling.
   */
  maxPartial: number;
  random?: () => number;
  /** Where piece buffers come from (and go back to, by the owner of the completed piece). */
  pool?: BufferPool;
}

export class PiecePicker {
  private readonly opts: PickerOptions;
  readonly have: Bitfield;
  /** Number of connected peers that have each piece. */
  readonly availability: Uint16Array;
  readonly partial = new Map<number, PartialPiece>();
  /** Pieces being hashed or written: neither missing nor requestable. */
  private readonly pending = new Set<number>();
  /** Pieces to fetch from a single peer next time (see PartialPiece.owner). */
  private readonly parole = new Set<number>();
  private readonly random: () => number;

  constructor(have: Bitfield, opts: PickerOptions) {
    this.have = have;
    this.opts = opts;
    this.availability = new Uint16Array(opts.pieceCount);
    this.random = opts.random ?? Math.random;
  }

  pieceLength(index: number): number {
    return index === this.opts.pieceCount - 1 ? this.opts.lastPieceLength : this.opts.pieceLength;
  }

  peerHasAll(): void {
    for (let i = 0; i < this.availability.length; i++) this.availability[i]! += 1;
  }

  peerBitfield(bits: Bitfield, delta: 1 | -1): void {
    for (let i = 0; i < bits.length; i++) if (bits.has(i)) this.availability[i]! += delta;
  }

  peerHave(index: number): void {
    this.availability[index]! += 1;
  }

  /** True when the peer has a piece we still want. */
  interesting(peer: Bitfield): boolean {
    for (let i = 0; i < peer.length; i++) if (peer.has(i) && !this.have.has(i)) return true;
    return false;
  }

  /**
   * Up to `max` blocks for a peer that has `peer`. `mine` says whether this peer already has a
   * given block requested (so endgame never asks one peer twice).
   */
  pick(
    peer: Bitfield,
    max: number,
    mine: (index: number, begin: number) => boolean,
    who: string,
  ): BlockRef[] {
    const out: BlockRef[] = [];
    if (max <= 0) return out;
    // 1. Unrequested blocks of started pieces, oldest first.
    for (const p of this.partial.values()) {
      if (!peer.has(p.index) || (p.owner !== null && p.owner !== who)) continue;
      this.takeFrom(p, out, max, 0);
      if (out.length >= max) return out;
    }
    // 2. New pieces, rarest first.
    while (out.length < max) {
      // Pieces being hashed or written still hold their buffer: they count against the cap, so a
      // disk or hash pool slower than the network slows requests instead of growing memory.
      if (this.partial.size + this.pending.size >= this.opts.maxPartial) break;
      const idx = this.rarest(peer);
      if (idx < 0) break;
      const onParole = this.parole.delete(idx);
      const p = new PartialPiece(idx, this.pieceLength(idx), onParole ? who : null, this.opts.pool ?? null);
      this.partial.set(idx, p);
      this.takeFrom(p, out, max, 0);
    }
    if (out.length > 0) return out;
    // 3. Endgame: blocks requested elsewhere but not yet here, least-requested first.
    for (const p of this.partial.values()) {
      if (!peer.has(p.index) || (p.owner !== null && p.owner !== who)) continue;
      for (let b = 0; b < p.blockCount && out.length < max; b++) {
        if (p.received[b] || p.requested[b]! >= 2 || mine(p.index, b * BLOCK_SIZE)) continue;
        p.requested[b]! += 1;
        out.push({ index: p.index, begin: b * BLOCK_SIZE, length: p.blockLength(b) });
      }
      if (out.length >= max) break;
    }
    return out;
  }

  private takeFrom(p: PartialPiece, out: BlockRef[], max: number, level: number): void {
    for (let b = 0; b < p.blockCount && out.length < max; b++) {
      if (p.received[b] || p.requested[b]! > level) continue;
      p.requested[b]! += 1;
      out.push({ index: p.index, begin: b * BLOCK_SIZE, length: p.blockLength(b) });
    }
  }

  private rarest(peer: Bitfield): number {
    const n = this.opts.pieceCount;
    let best = -1;
    let bestAvail = Number.POSITIVE_INFINITY;
    const start = Math.floor(this.random() * n);
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (!peer.has(i) || this.have.has(i) || this.partial.has(i) || this.pending.has(i)) continue;
      const a = this.availability[i]!;
      if (a < bestAvail) {
        best = i;
        bestAvail = a;
        if (a <= 1) break;
      }
    }
    return best;
  }

  /** How many peers the block is requested from now (0 when its piece is not in progress). */
  requestedCount(index: number, begin: number): number {
    const p = this.partial.get(index);
    return p ? (p.requested[begin / BLOCK_SIZE] ?? 0) : 0;
  }

  /** A request was cancelled, rejected, timed out or lost with its peer. */
  release(ref: BlockRef): void {
    const p = this.partial.get(ref.index);
    if (!p) return;
    const b = ref.begin / BLOCK_SIZE;
    if (p.requested[b]! > 0) p.requested[b]! -= 1;
  }

  /**
   * Stores a received block. Returns the piece when this block completed it (the caller hashes
   * it), 'dup' for a block we already had (endgame), 'unwanted' for one we never asked for.
   */
  receive(ref: BlockRef, block: Uint8Array, from: string): PartialPiece | 'dup' | 'unwanted' | 'partial' {
    const p = this.partial.get(ref.index);
    if (!p || ref.begin % BLOCK_SIZE !== 0) return 'unwanted';
    const b = ref.begin / BLOCK_SIZE;
    if (b >= p.blockCount || block.length !== p.blockLength(b)) return 'unwanted';
    if (p.received[b]) return 'dup';
    p.data.set(block, ref.begin);
    p.received[b] = 1;
    p.receivedCount++;
    p.contributors.add(from);
    if (!p.complete) return 'partial';
    this.partial.delete(p.index);
    this.pending.add(p.index);
    return p;
  }

  /** Hash and write finished: the piece is ours. */
  verified(index: number): void {
    this.pending.delete(index);
    this.have.set(index);
  }

  /** Hash failed or the write failed: the piece is missing again. */
  failed(index: number, parole: boolean): void {
    this.pending.delete(index);
    if (parole) this.parole.add(index);
  }

  /** A peer left: a parole piece it owned goes back to the pool, still on parole. */
  peerGone(who: string): void {
    for (const p of this.partial.values()) {
      if (p.owner !== who) continue;
      this.partial.delete(p.index);
      this.parole.add(p.index);
    }
  }

  /** Pieces being hashed or written. */
  get pendingCount(): number {
    return this.pending.size;
  }

  get maxPartial(): number {
    return this.opts.maxPartial;
  }
}
