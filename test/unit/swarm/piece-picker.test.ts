// The picker's promises, run against a simple model (RELIABILITY (c)1 model-based testing):
// availability never negative, no block requested twice outside endgame, every block asked of a
// peer that has the piece, a piece handed back complete exactly once, hash failures re-open it.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../../native-host/src/core/bitfield.ts';
import { BLOCK_SIZE } from '../../../native-host/src/core/limits.ts';
import { type BlockRef, PartialPiece, PiecePicker } from '../../../native-host/src/swarm/piece-picker.ts';

function picker(pieces: number, pieceLength = 4 * BLOCK_SIZE, last = pieceLength, maxPartial = 4) {
  return new PiecePicker(new Bitfield(pieces), {
    pieceCount: pieces,
    pieceLength,
    lastPieceLength: last,
    maxPartial,
    random: () => 0,
  });
}

function full(n: number): Bitfield {
  const b = new Bitfield(n);
  b.setAll();
  return b;
}

const none = () => false;

describe('PiecePicker', () => {
  it('prefers the rarest piece', () => {
    const p = picker(3);
    const a = full(3);
    const b = new Bitfield(3);
    b.set(0);
    b.set(2);
    p.peerBitfield(a, 1);
    p.peerBitfield(b, 1);
    const got = p.pick(a, 1, none, 'a');
    expect(got[0]!.index).toBe(1);
  });

  it('finishes started pieces before starting new ones', () => {
    const p = picker(4);
    const a = full(4);
    p.peerBitfield(a, 1);
    const first = p.pick(a, 2, none, 'a');
    const next = p.pick(a, 2, none, 'b');
    expect(new Set([...first, ...next].map((r) => r.index)).size).toBe(1);
  });

  it('sizes the last piece and its last block exactly', () => {
    const p = picker(2, 4 * BLOCK_SIZE, BLOCK_SIZE + 100);
    const b = new Bitfield(2);
    b.set(1);
    p.peerBitfield(b, 1);
    const got = p.pick(b, 10, none, 'a');
    expect(got).toEqual([
      { index: 1, begin: 0, length: BLOCK_SIZE },
      { index: 1, begin: BLOCK_SIZE, length: 100 },
    ]);
  });

  it('hands a piece back once, and re-opens it after a hash failure on parole', () => {
    const p = picker(1, 2 * BLOCK_SIZE);
    const a = full(1);
    p.peerBitfield(a, 1);
    const refs = p.pick(a, 2, none, 'x');
    expect(p.receive(refs[0]!, new Uint8Array(BLOCK_SIZE), 'x')).toBe('partial');
    const done = p.receive(refs[1]!, new Uint8Array(BLOCK_SIZE), 'y');
    expect(done).toBeInstanceOf(PartialPiece);
    expect(p.receive(refs[1]!, new Uint8Array(BLOCK_SIZE), 'y')).toBe('unwanted');
    p.failed(0, true);
    // On parole the piece goes to the first peer that picks it, and only to that peer.
    expect(p.pick(a, 2, none, 'x')).toHaveLength(2);
    expect(p.pick(a, 2, none, 'y')).toHaveLength(0);
  });

  it('rejects blocks of the wrong size or offset', () => {
    const p = picker(1, 2 * BLOCK_SIZE);
    const a = full(1);
    p.peerBitfield(a, 1);
    const [r] = p.pick(a, 1, none, 'x');
    expect(p.receive({ ...r!, begin: 5 }, new Uint8Array(BLOCK_SIZE), 'x')).toBe('unwanted');
    expect(p.receive(r!, new Uint8Array(BLOCK_SIZE - 1), 'x')).toBe('unwanted');
  });

  it('enters endgame only when every block is requested, never twice to one peer', () => {
    const p = picker(1, 2 * BLOCK_SIZE);
    const a = full(1);
    p.peerBitfield(a, 1);
    p.peerBitfield(a, 1);
    const mineA = new Set<number>();
    for (const r of p.pick(a, 8, none, 'a')) mineA.add(r.begin);
    expect(mineA.size).toBe(2);
    expect(p.pick(a, 8, (_i, b) => mineA.has(b), 'a')).toHaveLength(0);
    expect(p.pick(a, 8, none, 'b')).toHaveLength(2);
  });

  // Model-based: random peers, picks, arrivals, losses and hash results.
  test.prop(
    [
      fc.integer({ min: 1, max: 12 }),
      fc.array(
        fc.record({
          op: fc.constantFrom('pick', 'arrive', 'lose', 'hash-ok', 'hash-bad'),
          peer: fc.integer({ min: 0, max: 3 }),
          n: fc.integer({ min: 1, max: 10 }),
        }),
        { maxLength: 120 },
      ),
    ],
    { seed: 42, numRuns: 200 },
  )('keeps its invariants under any sequence', (pieces, ops) => {
    const p = picker(pieces, 3 * BLOCK_SIZE, 2 * BLOCK_SIZE + 7, 3);
    const peers = Array.from({ length: 4 }, (_, k) => {
      const b = new Bitfield(pieces);
      for (let i = 0; i < pieces; i++) if ((i + k) % (k + 1) === 0 || k === 0) b.set(i);
      p.peerBitfield(b, 1);
      return { bits: b, out: new Map<string, BlockRef>() };
    });
    const hashing: number[] = [];
    const completed = new Set<number>();
    for (const { op, peer, n } of ops) {
      const me = peers[peer]!;
      if (op === 'pick') {
        const got = p.pick(me.bits, n, (i, b) => me.out.has(`${i}:${b}`), String(peer));
        for (const r of got) {
          expect(me.bits.has(r.index)).toBe(true);
          expect(p.have.has(r.index)).toBe(false);
          expect(me.out.has(`${r.index}:${r.begin}`)).toBe(false);
          me.out.set(`${r.index}:${r.begin}`, r);
        }
      } else if (op === 'arrive' || op === 'lose') {
        const first = me.out.entries().next().value;
        if (!first) continue;
        me.out.delete(first[0]);
        if (op === 'lose') p.release(first[1]);
        else {
          const r = p.receive(first[1], new Uint8Array(first[1].length), String(peer));
          if (typeof r === 'object') {
            expect(completed.has(r.index)).toBe(false);
            hashing.push(r.index);
          }
        }
      } else {
        const idx = hashing.shift();
        if (idx === undefined) continue;
        if (op === 'hash-ok') {
          p.verified(idx);
          completed.add(idx);
        } else p.failed(idx, false);
      }
      for (const a of p.availability) expect(a).toBeGreaterThanOrEqual(0);
      expect(p.partial.size).toBeLessThanOrEqual(3);
      for (const part of p.partial.values()) {
        for (let b = 0; b < part.blockCount; b++) {
          // Outside endgame a block is requested at most once; endgame allows a second copy.
          expect(part.requested[b]!).toBeLessThanOrEqual(2);
        }
      }
    }
    expect(p.have.count).toBe(completed.size);
  });
});
