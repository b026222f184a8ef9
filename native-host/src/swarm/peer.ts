// Per-peer state seen from one torrent (BEP 3 §peer messages): the four choke/interest flags, what
// the peer has, our requests to it, its requests to us.

import { Bitfield } from '../core/bitfield.ts';
import type { PeerConnection } from './peer-connection.ts';
import type { BlockRef } from './piece-picker.ts';

export interface OutstandingRequest {
  readonly ref: BlockRef;
  readonly at: number;
}

export function blockKey(index: number, begin: number): number {
  // index < 2^21 (MAX_PIECES) and begin / 16 KiB < 2^15 for pieces ≤ 512 MiB: fits in 2^53.
  return index * 0x100000000 + begin;
}

export class Peer {
  readonly key: string;
  readonly conn: PeerConnection;
  readonly peerId: Uint8Array;
  bits: Bitfield;
  readonly supportsFast: boolean;
  readonly supportsExtensions: boolean;
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** Pieces the peer has that we lack: interest is this > 0, kept in step on have/verify. */
  wanted = 0;
  readonly requests = new Map<number, OutstandingRequest>();
  /** Target number of outstanding requests, adapted to the rate each tick. */
  depth: number;
  /** Requests the peer made of us, served in order. */
  readonly incoming: BlockRef[] = [];
  serving = false;
  /** The peer's id for ut_metadata (BEP 9/10), 0 when it does not speak it. */
  utMetadataId = 0;
  /** ut_metadata requests received on this connection. */
  metadataRequests = 0;
  /** Requests received while we choke the peer, since we last unchoked it. */
  requestsWhileChoked = 0;
  hashFailures = 0;
  /** Unchoked by the optimistic slot (BEP 3 choking algorithm). */
  optimistic = false;
  lastBlockAt = 0;

  constructor(
    key: string,
    conn: PeerConnection,
    peerId: Uint8Array,
    pieceCount: number,
    flags: { fast: boolean; extensions: boolean },
    initialDepth: number,
  ) {
    this.key = key;
    this.conn = conn;
    this.peerId = peerId;
    this.bits = new Bitfield(pieceCount);
    this.supportsFast = flags.fast;
    this.supportsExtensions = flags.extensions;
    this.depth = initialDepth;
  }

  get isSeed(): boolean {
    return this.bits.complete;
  }
}
