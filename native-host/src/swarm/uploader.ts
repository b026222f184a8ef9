// Our upload side of a swarm (BEP 3 choking; BEP 6 rejects): which peers we unchoke, checking
// and queueing their requests, and sending blocks with write backpressure, served from whole
// pieces read once (read-cache.ts).

import type { Bitfield } from '../core/bitfield.ts';
import { MagnetarError } from '../core/errors.ts';
import {
  MAX_INCOMING_REQUESTS,
  MAX_PEER_SEND_BUFFER_BYTES,
  MAX_REQUEST_LENGTH,
  SEED_READ_CACHE_BYTES,
} from '../core/limits.ts';
import { decideChokes } from './choker.ts';
import type { Peer } from './peer.ts';
import type { BlockRef } from './piece-picker.ts';
import { PieceReadCache } from './read-cache.ts';

/** Requests a choked peer may send before we drop it (libtorrent's max_rejects). */
const MAX_REQUESTS_WHILE_CHOKED = 50;
/** Blocks written per syscall while serving from memory (16 × 16 KiB). */
const CORK_BLOCKS = 16;

function blockOf(r: BlockRef): BlockRef {
  return { index: r.index, begin: r.begin, length: r.length };
}

export interface UploaderOptions {
  readonly peers: ReadonlyMap<string, Peer>;
  readonly have: () => Bitfield;
  readonly pieceCount: number;
  pieceSize(index: number): number;
  readonly uploadSlots: number;
  readonly upload: boolean;
  readonly store: {
    read(index: number, begin: number, length: number): Promise<Uint8Array>;
    verifyOwned(index: number, data: Uint8Array): Promise<{ ok: boolean; data: Uint8Array }>;
  };
  readonly closed: () => boolean;
  storageError(err: MagnetarError): void;
}

export class Uploader {
  private readonly cache: PieceReadCache;

  constructor(private readonly o: UploaderOptions) {
    this.cache = new PieceReadCache(SEED_READ_CACHE_BYTES, o.pieceSize(0), (i) => this.readVerified(i));
  }

  /**
   * A piece read back from disk is hashed before any of it is sent: a file changed or damaged on
   * disk while we seed must never reach a peer as garbage (RELIABILITY S64). It costs one SHA-1
   * per piece served, in the hash workers.
   */
  private async readVerified(index: number): Promise<Uint8Array> {
    const raw = await this.o.store.read(index, 0, this.o.pieceSize(index));
    const { ok, data } = await this.o.store.verifyOwned(index, raw);
    if (!ok) {
      throw new MagnetarError(
        'STORAGE_CHANGED',
        `piece ${index} no longer matches its hash: the files changed on disk; resume the torrent to check them again`,
        { piece: index },
      );
    }
    return data;
  }

  onRequest(peer: Peer, m: { index: number; begin: number; length: number }): void {
    const size = m.index < this.o.pieceCount ? this.o.pieceSize(m.index) : 0;
    if (
      m.index >= this.o.pieceCount ||
      m.length === 0 ||
      m.length > MAX_REQUEST_LENGTH ||
      m.begin + m.length > size ||
      !this.o.have().has(m.index)
    ) {
      peer.conn.close(
        new MagnetarError('PEER_BAD_REQUEST', `${peer.key}: bad request ${m.index}/${m.begin}/${m.length}`),
      );
      return;
    }
    if (peer.amChoking) {
      // Requests already on the wire when we choked are normal; a stream of them is not (P34,
      // libtorrent's max_rejects).
      if (++peer.requestsWhileChoked > MAX_REQUESTS_WHILE_CHOKED) {
        peer.conn.close(new MagnetarError('PEER_PROTOCOL', `${peer.key}: keeps requesting while choked`));
        return;
      }
      if (peer.supportsFast)
        peer.conn.send({ type: 'reject', index: m.index, begin: m.begin, length: m.length });
      return;
    }
    if (peer.incoming.length >= MAX_INCOMING_REQUESTS) {
      peer.conn.close(
        new MagnetarError('PEER_PROTOCOL', `${peer.key}: more than ${MAX_INCOMING_REQUESTS} requests queued`),
      );
      return;
    }
    peer.incoming.push({ index: m.index, begin: m.begin, length: m.length });
    this.serve(peer);
  }

  /** Sends queued blocks while the socket's buffer has room (write backpressure, rule 7). */
  serve(peer: Peer): void {
    if (peer.serving) return;
    peer.serving = true;
    const sock = peer.conn.socket;
    // Blocks from a piece already in memory go out corked, CORK_BLOCKS to a syscall; the cork is
    // lifted before waiting on the disk so nothing sits unsent behind a read.
    let corked = 0;
    const uncork = () => {
      if (corked > 0) sock.uncork();
      corked = 0;
    };
    void (async () => {
      try {
        while (
          peer.incoming.length > 0 &&
          !peer.conn.isClosed &&
          !peer.amChoking &&
          peer.conn.sendBuffered < MAX_PEER_SEND_BUFFER_BYTES
        ) {
          const r = peer.incoming.shift()!;
          if (!this.cache.has(r.index)) uncork();
          const block = await this.cache.block(r.index, r.begin, r.length);
          if (peer.conn.isClosed || peer.amChoking) break;
          if (corked === 0) sock.cork();
          peer.conn.sendPiece(r.index, r.begin, block);
          if (++corked >= CORK_BLOCKS) uncork();
        }
      } catch (e) {
        // A read error while seeding: stop serving rather than send garbage (RELIABILITY S63).
        peer.incoming.length = 0;
        if (!this.o.closed()) {
          this.o.storageError(e instanceof MagnetarError ? e : new MagnetarError('STORAGE_IO', String(e)));
        }
      } finally {
        uncork();
        peer.serving = false;
      }
    })();
  }

  maybeUnchokeNow(peer: Peer): void {
    if (!this.o.upload || !peer.amChoking) return;
    let unchoked = 0;
    for (const p of this.o.peers.values()) if (!p.amChoking) unchoked++;
    if (unchoked < this.o.uploadSlots + 1) this.setChoke(peer, false);
  }

  private setChoke(peer: Peer, choke: boolean): void {
    if (peer.amChoking === choke) return;
    peer.amChoking = choke;
    if (choke) {
      peer.conn.send({ type: 'choke' });
      // BEP 6: with the fast extension, queued requests are rejected explicitly, not dropped.
      if (peer.supportsFast) for (const r of peer.incoming) peer.conn.send({ type: 'reject', ...blockOf(r) });
      peer.incoming.length = 0;
    } else {
      peer.requestsWhileChoked = 0;
      peer.conn.send({ type: 'unchoke' });
    }
  }

  rechoke(rotate: boolean): void {
    if (!this.o.upload) return;
    const seeding = this.o.have().complete;
    const decision = decideChokes(
      [...this.o.peers.values()].map((p) => ({
        key: p.key,
        interested: p.peerInterested,
        rate: seeding ? p.conn.up.rate : p.conn.down.rate,
        optimistic: p.optimistic,
      })),
      this.o.uploadSlots,
      rotate,
    );
    for (const p of this.o.peers.values()) {
      p.optimistic = p.key === decision.optimistic;
      this.setChoke(p, !decision.unchoke.has(p.key));
    }
  }

  close(): void {
    this.cache.clear();
  }
}
