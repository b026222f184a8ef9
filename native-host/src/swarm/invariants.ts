// The swarm's invariants (DESIGN rule 9), as a pure check over its state.

import { BLOCK_SIZE } from '../core/limits.ts';
import { blockKey, type Peer } from './peer.ts';
import type { PiecePicker } from './piece-picker.ts';

/**
 * Checked after every message when the swarm's `checkInvariants` option is set (tests): each
 * piece's availability is the number of connected peers that have it; every outstanding request is for an unreceived block of a partial piece,
 * and an unreceived block is counted as requested exactly as many times as peers have it
 * outstanding; pieces in progress stay within the cap; no request goes to a peer that chokes us
 * without the fast extension.
 */
export function checkSwarmInvariants(
  peers: ReadonlyMap<string, Peer>,
  p: PiecePicker,
  pieceCount: number,
): string[] {
  const bad: string[] = [];
  const avail = new Uint16Array(pieceCount);
  const outstanding = new Map<number, number>();
  for (const peer of peers.values()) {
    for (let i = 0; i < peer.bits.length; i++) if (peer.bits.has(i)) avail[i]! += 1;
    if (peer.peerChoking && !peer.supportsFast && peer.requests.size > 0) {
      bad.push(`${peer.key}: ${peer.requests.size} requests while choked`);
    }
    for (const [k, r] of peer.requests) {
      const part = p.partial.get(r.ref.index);
      const b = r.ref.begin / BLOCK_SIZE;
      if (!part) bad.push(`${peer.key}: request ${r.ref.index}/${r.ref.begin} for a piece not in progress`);
      else if (part.received[b])
        bad.push(`${peer.key}: request for received block ${r.ref.index}/${r.ref.begin}`);
      outstanding.set(k, (outstanding.get(k) ?? 0) + 1);
    }
  }
  for (let i = 0; i < avail.length; i++) {
    if (avail[i] !== p.availability[i])
      bad.push(`piece ${i}: availability ${p.availability[i]}, peers ${avail[i]}`);
  }
  for (const part of p.partial.values()) {
    for (let b = 0; b < part.blockCount; b++) {
      if (part.received[b]) continue;
      const want = outstanding.get(blockKey(part.index, b * BLOCK_SIZE)) ?? 0;
      if (part.requested[b] !== want)
        bad.push(`block ${part.index}/${b}: requested ${part.requested[b]}, outstanding ${want}`);
    }
  }
  if (p.partial.size + p.pendingCount > p.maxPartial) {
    bad.push(`${p.partial.size} partial + ${p.pendingCount} pending pieces over the cap ${p.maxPartial}`);
  }
  return bad;
}
