// Serving ut_metadata (BEP 9): pieces of the raw info dict, rejects past the end, nothing before the
// peer said where replies go, and a request flood drops the peer (RELIABILITY X51).

import { describe, expect, it } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { MetadataServer, OUR_UT_METADATA_ID } from '../../../native-host/src/swarm/metadata-server.ts';
import type { Peer } from '../../../native-host/src/swarm/peer.ts';
import {
  decodeMetadataMessage,
  encodeExtendedHandshake,
  encodeMetadataMessage,
  type PeerMessage,
} from '../../../native-host/src/wire/index.ts';

function fakePeer() {
  const sent: PeerMessage[] = [];
  const peer = {
    key: '10.0.0.1:1',
    utMetadataId: 0,
    metadataRequests: 0,
    conn: { send: (m: PeerMessage) => sent.push(m) },
  };
  return { peer: peer as unknown as Peer, sent };
}

const info = new Uint8Array(40_000).map((_, i) => i & 0xff);
const request = (piece: number) => encodeMetadataMessage({ type: 'request', piece });

describe('MetadataServer', () => {
  it('answers requests with the right slice, under the peer’s own id', () => {
    const s = new MetadataServer(info);
    const { peer, sent } = fakePeer();
    s.onExtended(peer, OUR_UT_METADATA_ID, request(0));
    expect(sent).toEqual([]); // no handshake yet: it never told us its id
    s.onExtended(peer, 0, encodeExtendedHandshake({ m: { ut_metadata: 7 } }));
    s.onExtended(peer, OUR_UT_METADATA_ID, request(2));
    s.onExtended(peer, OUR_UT_METADATA_ID, request(3));
    expect(sent.map((m) => (m.type === 'extended' ? m.id : -1))).toEqual([7, 7]);
    const last = sent[0]!.type === 'extended' ? decodeMetadataMessage(sent[0]!.payload) : null;
    expect(last).toEqual({ type: 'data', piece: 2, totalSize: 40_000, data: info.subarray(32_768, 40_000) });
    const reject = sent[1]!.type === 'extended' ? decodeMetadataMessage(sent[1]!.payload) : null;
    expect(reject).toEqual({ type: 'reject', piece: 3 });
  });

  it('drops a peer that floods requests', () => {
    const s = new MetadataServer(info);
    const { peer } = fakePeer();
    s.onExtended(peer, 0, encodeExtendedHandshake({ m: { ut_metadata: 3 } }));
    for (let i = 0; i < 6; i++) s.onExtended(peer, OUR_UT_METADATA_ID, request(i % 3));
    let err: unknown = null;
    try {
      s.onExtended(peer, OUR_UT_METADATA_ID, request(0));
    } catch (e) {
      err = e;
    }
    expect(isMagnetarError(err, 'PEER_PROTOCOL')).toBe(true);
  });
});
