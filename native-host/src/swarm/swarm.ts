// The peers of one torrent and the messages between us and them: interest, requests (pipelined,
// depth adapted to each peer's rate), received blocks → hash → write, and banning peers whose data
// fails the hash. The upload side (choking, serving requests) is uploader.ts; lifecycle (checking,
// trackers, states) is engine/torrent.ts; sockets and handshakes are peer-connection.ts and
// peer-sources.ts.

import { Bitfield } from '../core/bitfield.ts';
import { MagnetarError } from '../core/errors.ts';
import {
  BLOCK_SIZE,
  MAX_HASH_FAILURES_PER_PEER,
  MAX_PIPELINE_DEPTH,
  MIN_PIPELINE_DEPTH,
  REQUEST_TIMEOUT_MS,
  WRITE_QUEUE_HIGH_BYTES,
  WRITE_QUEUE_LOW_BYTES,
} from '../core/limits.ts';
import type { PeerMessage } from '../wire/index.ts';
import type { BufferPool } from './buffer-pool.ts';
import { checkSwarmInvariants } from './invariants.ts';
import { blockKey, Peer } from './peer.ts';
import type { PeerConnection } from './peer-connection.ts';
import type { BlockRef, PiecePicker } from './piece-picker.ts';
import { Uploader } from './uploader.ts';

/** What the swarm needs of storage (declared here, implemented by storage/torrent-storage.ts). */
export interface PieceStore {
  /** Hashes a piece buffer the swarm gives up; the same bytes come back in `data`. */
  verifyOwned(index: number, data: Uint8Array): Promise<{ ok: boolean; data: Uint8Array }>;
  writePiece(index: number, data: Uint8Array): Promise<void>;
  read(index: number, begin: number, length: number): Promise<Uint8Array>;
  readonly pendingWriteBytes: number;
}

export interface SwarmEvents {
  pieceVerified(index: number): void;
  complete(): void;
  /** Storage failed: the torrent must stop (disk full, permissions, missing files). */
  storageError(err: MagnetarError): void;
  peerBanned(key: string, host: string): void;
  /** An extension message other than the handshake (ut_metadata, ut_pex). */
  extended?(peer: Peer, id: number, payload: Uint8Array): void;
  peerConnected?(peer: Peer): void;
}

export interface SwarmOptions {
  pieceCount: number;
  pieceSize(index: number): number;
  uploadSlots: number;
  /** When false we never unchoke anyone (download-only runs still answer politely with chokes). */
  upload: boolean;
  /** Completed piece buffers go back here once written. */
  pool?: BufferPool;
  /** Check checkInvariants() after every message (tests; costs O(peers × pieces) each). */
  checkInvariants?: boolean;
}

const TICK_MS = 1000;
const CHOKE_EVERY_TICKS = 10;
const OPTIMISTIC_EVERY_TICKS = 30;
/** Target time for queued requests at a peer's current rate (libtorrent uses ~3 s). */
const QUEUE_SECONDS = 2;
const INITIAL_DEPTH = 32;

export class Swarm {
  readonly peers = new Map<string, Peer>();
  private readonly picker: PiecePicker;
  private readonly store: PieceStore;
  private readonly events: SwarmEvents;
  private readonly opts: SwarmOptions;
  private ticks = 0;
  private timer: NodeJS.Timeout | null = null;
  private readingPaused = false;
  private closed = false;
  private readonly uploader: Uploader;
  /** Bytes moved by peers that have since disconnected. */
  private retiredDown = 0;
  private retiredUp = 0;

  constructor(picker: PiecePicker, store: PieceStore, opts: SwarmOptions, events: SwarmEvents) {
    this.picker = picker;
    this.store = store;
    this.uploader = new Uploader({
      peers: this.peers,
      have: () => picker.have,
      pieceCount: opts.pieceCount,
      pieceSize: opts.pieceSize,
      uploadSlots: opts.uploadSlots,
      upload: opts.upload,
      store,
      closed: () => this.closed,
      storageError: (e) => events.storageError(e),
    });
    this.opts = opts;
    this.events = events;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  get have(): Bitfield {
    return this.picker.have;
  }

  /** Takes over a connection whose handshake is done. */
  attach(
    key: string,
    conn: PeerConnection,
    peerId: Uint8Array,
    flags: { fast: boolean; extensions: boolean },
    sendFirst: (peer: Peer) => void,
  ): Peer {
    const peer = new Peer(key, conn, peerId, this.opts.pieceCount, flags, INITIAL_DEPTH);
    this.peers.set(key, peer);
    // Our bitfield (or have-all/none) must be the first message after the handshake (BEP 3,
    // BEP 6), so it goes out before we read anything the peer already sent: handling its bitfield
    // would send `interested` first, and strict clients drop a late bitfield.
    this.sendHaves(peer);
    sendFirst(peer);
    if (this.readingPaused) conn.pauseReading(true);
    conn.start({
      onMessage: (m) => this.onMessage(peer, m),
      onClose: () => this.detach(peer),
      onDrain: () => this.uploader.serve(peer),
    });
    this.events.peerConnected?.(peer);
    return peer;
  }

  private sendHaves(peer: Peer): void {
    const have = this.picker.have;
    if (peer.supportsFast && have.count === have.length) peer.conn.send({ type: 'have-all' });
    else if (peer.supportsFast && have.count === 0) peer.conn.send({ type: 'have-none' });
    else if (have.count > 0) peer.conn.send({ type: 'bitfield', bits: have.bytes });
  }

  private detach(peer: Peer): void {
    if (this.peers.get(peer.key) !== peer) return;
    this.peers.delete(peer.key);
    this.retiredDown += peer.conn.down.total;
    this.retiredUp += peer.conn.up.total;
    for (const r of peer.requests.values()) this.picker.release(r.ref);
    peer.requests.clear();
    this.picker.peerGone(peer.key);
    this.picker.peerBitfield(peer.bits, -1);
    if (!this.closed) this.refill();
  }

  /** The first invariant violation seen (tests assert there is none). */
  invariantViolation: string | null = null;

  private onMessage(peer: Peer, m: PeerMessage): void {
    this.handle(peer, m);
    if (this.opts.checkInvariants && this.invariantViolation === null) {
      const bad = checkSwarmInvariants(this.peers, this.picker, this.opts.pieceCount);
      if (bad.length > 0) this.invariantViolation = `after ${m.type} from ${peer.key}: ${bad.join('; ')}`;
    }
  }

  private handle(peer: Peer, m: PeerMessage): void {
    switch (m.type) {
      case 'keep-alive':
        return;
      case 'choke':
        peer.peerChoking = true;
        // Without the fast extension a choke discards every pending request (BEP 3); with it the
        // peer rejects them one by one (BEP 6), but releasing now is safe either way.
        for (const r of peer.requests.values()) this.picker.release(r.ref);
        peer.requests.clear();
        this.refill();
        return;
      case 'unchoke':
        peer.peerChoking = false;
        this.request(peer);
        return;
      case 'interested':
        peer.peerInterested = true;
        this.uploader.maybeUnchokeNow(peer);
        return;
      case 'not-interested':
        peer.peerInterested = false;
        return;
      case 'have':
        this.onHave(peer, m.index);
        return;
      case 'bitfield':
        this.onBitfield(peer, new Bitfield(this.opts.pieceCount, m.bits));
        return;
      case 'have-all': {
        const all = new Bitfield(this.opts.pieceCount);
        all.setAll();
        this.onBitfield(peer, all);
        return;
      }
      case 'have-none':
        this.onBitfield(peer, new Bitfield(this.opts.pieceCount));
        return;
      case 'request':
        this.uploader.onRequest(peer, m);
        return;
      case 'cancel': {
        const i = peer.incoming.findIndex(
          (r) => r.index === m.index && r.begin === m.begin && r.length === m.length,
        );
        if (i >= 0) peer.incoming.splice(i, 1);
        return;
      }
      case 'piece':
        this.onPiece(peer, m.index, m.begin, m.block);
        return;
      case 'reject': {
        const k = blockKey(m.index, m.begin);
        const r = peer.requests.get(k);
        if (r) {
          peer.requests.delete(k);
          this.picker.release(r.ref);
          this.request(peer);
        }
        return;
      }
      case 'extended':
        this.events.extended?.(peer, m.id, m.payload);
        return;
      default:
        // port (DHT), suggest, allowed-fast: advisory; we need none of them to download.
        return;
    }
  }

  private onHave(peer: Peer, index: number): void {
    if (index >= this.opts.pieceCount) {
      peer.conn.close(new MagnetarError('PEER_PROTOCOL', `${peer.key}: have ${index} out of range`));
      return;
    }
    if (peer.bits.has(index)) return;
    peer.bits.set(index);
    this.picker.peerHave(index);
    if (!this.picker.have.has(index)) {
      peer.wanted++;
      this.updateInterest(peer);
    }
    // Two seeds have nothing to say to each other.
    if (peer.isSeed && this.picker.have.complete) peer.conn.close(null);
  }

  private onBitfield(peer: Peer, bits: Bitfield): void {
    this.picker.peerBitfield(peer.bits, -1);
    peer.bits = bits;
    this.picker.peerBitfield(bits, 1);
    let wanted = 0;
    const have = this.picker.have;
    for (let i = 0; i < bits.length; i++) if (bits.has(i) && !have.has(i)) wanted++;
    peer.wanted = wanted;
    if (bits.complete && have.complete) {
      peer.conn.close(null);
      return;
    }
    this.updateInterest(peer);
  }

  private updateInterest(peer: Peer): void {
    const want = peer.wanted > 0;
    if (want === peer.amInterested) return;
    peer.amInterested = want;
    peer.conn.send({ type: want ? 'interested' : 'not-interested' });
    if (want) this.request(peer);
  }

  /** Tops up the peer's request pipeline. */
  private request(peer: Peer): void {
    if (peer.peerChoking || !peer.amInterested || peer.conn.isClosed || this.closed) return;
    const room = peer.depth - peer.requests.size;
    // Batch small top-ups: one write of many requests beats many writes of one.
    if (room <= 0 || (room < Math.min(8, peer.depth / 4) && peer.requests.size > 0)) return;
    const picked = this.picker.pick(peer.bits, room, (i, b) => peer.requests.has(blockKey(i, b)), peer.key);
    if (picked.length === 0) return;
    const now = Date.now();
    const sock = peer.conn.socket as { cork?: () => void; uncork?: () => void };
    sock.cork?.();
    for (const ref of picked) {
      peer.requests.set(blockKey(ref.index, ref.begin), { ref, at: now });
      peer.conn.send({ type: 'request', index: ref.index, begin: ref.begin, length: ref.length });
    }
    sock.uncork?.();
  }

  private refill(): void {
    for (const p of this.peers.values()) this.request(p);
  }

  private onPiece(peer: Peer, index: number, begin: number, block: Uint8Array): void {
    const k = blockKey(index, begin);
    const req = peer.requests.get(k);
    // Only blocks we asked this peer for are kept (P36): late ones after a cancel, a choke or a
    // timeout, and unsolicited ones, are dropped before they can touch a piece buffer.
    if (!req) return;
    peer.requests.delete(k);
    peer.lastBlockAt = Date.now();
    const ref: BlockRef = { index, begin, length: block.length };
    if (index >= this.opts.pieceCount) {
      peer.conn.close(new MagnetarError('PEER_PROTOCOL', `${peer.key}: piece ${index} out of range`));
      return;
    }
    // Other peers hold this block only in endgame (requested more than once): only then is it
    // worth walking the peer list for requests to cancel.
    const elsewhere = this.picker.requestedCount(index, begin) > 1;
    const r = this.picker.receive(ref, block, peer.key);
    if (elsewhere && (r === 'dup' || r === 'partial' || typeof r === 'object')) {
      this.cancelDuplicates(peer, index, begin, block.length);
    }
    if (typeof r === 'object') void this.finishPiece(r.index, r.takeData(), [...r.contributors]);
    this.request(peer);
  }

  /** Endgame: the block arrived, so the same request at other peers is now waste. */
  private cancelDuplicates(from: Peer, index: number, begin: number, length: number): void {
    const k = blockKey(index, begin);
    for (const p of this.peers.values()) {
      if (p === from) continue;
      const r = p.requests.get(k);
      if (!r) continue;
      p.requests.delete(k);
      this.picker.release(r.ref);
      p.conn.send({ type: 'cancel', index, begin, length });
    }
  }

  private async finishPiece(index: number, data: Uint8Array, contributors: string[]): Promise<void> {
    let piece: Uint8Array | null = null;
    try {
      const verified = await this.store.verifyOwned(index, data);
      piece = verified.data;
      const ok = verified.ok;
      if (this.closed) return;
      if (!ok) {
        this.picker.failed(index, contributors.length > 1);
        if (contributors.length === 1) this.strike(contributors[0]!);
        this.refill();
        return;
      }
      await this.store.writePiece(index, piece);
      this.updateBackpressure();
      if (this.closed) return;
      this.picker.verified(index);
      for (const p of this.peers.values()) {
        if (!p.bits.has(index)) p.conn.send({ type: 'have', index });
        else {
          p.wanted--;
          this.updateInterest(p);
        }
      }
      this.events.pieceVerified(index);
      // Its buffer slot is free again: peers whose pipeline drained against the cap can go on.
      this.refill();
      if (this.picker.have.complete) {
        // Seeds are no use to a seed; leechers stay for seeding.
        for (const p of [...this.peers.values()]) if (p.isSeed) p.conn.close(null);
        this.events.complete();
      }
    } catch (e) {
      this.picker.failed(index, false);
      if (!this.closed) {
        this.events.storageError(
          e instanceof MagnetarError ? e : new MagnetarError('STORAGE_IO', `piece ${index}: ${String(e)}`),
        );
      }
    } finally {
      if (piece) this.opts.pool?.give(piece);
    }
  }

  /** A peer sent data that failed the hash on its own. */
  private strike(key: string): void {
    const p = this.peers.get(key);
    if (!p) return;
    p.hashFailures++;
    if (p.hashFailures >= MAX_HASH_FAILURES_PER_PEER) {
      this.events.peerBanned(key, key.slice(0, key.lastIndexOf(':')));
      p.conn.close(
        new MagnetarError('PEER_BANNED', `${key} sent ${p.hashFailures} pieces that failed their hash`),
      );
    }
  }

  private tick(): void {
    this.ticks++;
    const now = Date.now();
    for (const p of this.peers.values()) {
      // Requests that never came back go to other peers; a peer that stalls gets a short queue.
      let timedOut = false;
      for (const [k, r] of p.requests) {
        if (now - r.at < REQUEST_TIMEOUT_MS) continue;
        p.requests.delete(k);
        this.picker.release(r.ref);
        timedOut = true;
      }
      // Keep about QUEUE_SECONDS of data in flight at the peer's measured rate; a peer that has
      // sent nothing yet keeps the initial depth.
      const target = Math.ceil((p.conn.down.rate * QUEUE_SECONDS) / BLOCK_SIZE);
      if (timedOut) p.depth = MIN_PIPELINE_DEPTH;
      else if (p.lastBlockAt > 0)
        p.depth = Math.max(MIN_PIPELINE_DEPTH, Math.min(MAX_PIPELINE_DEPTH, target));
    }
    if (this.ticks % CHOKE_EVERY_TICKS === 0)
      this.uploader.rechoke(this.ticks % OPTIMISTIC_EVERY_TICKS === 0);
    this.updateBackpressure();
    this.refill();
  }

  /** Stops reading sockets while the disk queue is above its high-water mark (rule 7). */
  private updateBackpressure(): void {
    const pending = this.store.pendingWriteBytes;
    const pause = this.readingPaused ? pending > WRITE_QUEUE_LOW_BYTES : pending > WRITE_QUEUE_HIGH_BYTES;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    for (const p of this.peers.values()) p.conn.pauseReading(pause);
  }

  get downRate(): number {
    let r = 0;
    for (const p of this.peers.values()) r += p.conn.down.rate;
    return r;
  }

  get upRate(): number {
    let r = 0;
    for (const p of this.peers.values()) r += p.conn.up.rate;
    return r;
  }

  /** Payload bytes received and sent since the swarm started. */
  get totalDown(): number {
    let n = this.retiredDown;
    for (const p of this.peers.values()) n += p.conn.down.total;
    return n;
  }

  get totalUp(): number {
    let n = this.retiredUp;
    for (const p of this.peers.values()) n += p.conn.up.total;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.uploader.close();
    if (this.timer) clearInterval(this.timer);
    for (const p of [...this.peers.values()]) p.conn.close(null);
    this.peers.clear();
  }
}
