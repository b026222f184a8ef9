// Serving our info dictionary to peers that ask for it (BEP 9, ut_metadata): how a client that
// started from a magnet link gets the torrent from us. We advertise ut_metadata as extension id
// OUR_UT_METADATA_ID in our BEP 10 handshake; the peer's handshake tells us its own id, which its
// replies must carry.

import { MagnetarError } from '../core/errors.ts';
import {
  decodeExtendedHandshake,
  decodeMetadataMessage,
  encodeMetadataMessage,
  METADATA_PIECE_SIZE,
} from '../wire/index.ts';
import type { Peer } from './peer.ts';

/** The id under which we receive ut_metadata messages (our extended handshake says so). */
export const OUR_UT_METADATA_ID = 1;
/** Metadata requests one peer may make per connection: every piece twice over, then it is a flood. */
const REQUESTS_PER_PIECE = 2;

export class MetadataServer {
  private readonly pieces: number;

  constructor(private readonly info: Uint8Array) {
    this.pieces = Math.ceil(info.length / METADATA_PIECE_SIZE);
  }

  /** Handles one BEP 10 message; throws a peer-fault MagnetarError on garbage (the peer is dropped). */
  onExtended(peer: Peer, id: number, payload: Uint8Array): void {
    if (id === 0) {
      const hs = decodeExtendedHandshake(payload);
      peer.utMetadataId = hs.m['ut_metadata'] ?? 0;
      return;
    }
    if (id !== OUR_UT_METADATA_ID) return; // an extension we never offered: ignore (BEP 10)
    const m = decodeMetadataMessage(payload);
    if (m === null || m.type !== 'request') return;
    if (peer.utMetadataId === 0) return; // it never told us where to send replies
    if (++peer.metadataRequests > this.pieces * REQUESTS_PER_PIECE) {
      throw new MagnetarError('PEER_PROTOCOL', `${peer.key}: too many metadata requests`);
    }
    const reply =
      m.piece < this.pieces
        ? {
            type: 'data' as const,
            piece: m.piece,
            totalSize: this.info.length,
            data: this.info.subarray(m.piece * METADATA_PIECE_SIZE, (m.piece + 1) * METADATA_PIECE_SIZE),
          }
        : { type: 'reject' as const, piece: m.piece };
    peer.conn.send({ type: 'extended', id: peer.utMetadataId, payload: encodeMetadataMessage(reply) });
  }
}
