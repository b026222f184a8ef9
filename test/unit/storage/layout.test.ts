// Piece ⇄ file geometry. RELIABILITY items: B13 (zero-length files are legal), B19 (pad files
// covered but flagged), S66 (a piece maps to exact byte ranges, so a full hash covers exactly it).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filesOfPiece, overlap, piecesOfFile, segmentsFor } from '../../../native-host/src/storage/layout.ts';
import { makeTorrent } from './make-torrent.ts';

type Geo = Parameters<typeof segmentsFor>[0];

function geometry(lengths: readonly number[], pads: readonly boolean[], pieceLength: number): Geo {
  let off = 0;
  const files = lengths.map((length, i) => {
    const f = { path: [`f${i}`], length, offset: off, pad: pads[i] ?? false };
    off += length;
    return f;
  });
  const pieceCount = Math.max(1, Math.ceil(off / pieceLength));
  return { files, pieceLength, pieceCount, lastPieceLength: off - (pieceCount - 1) * pieceLength };
}

const geoArb = fc
  .record({
    lengths: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })), {
      minLength: 1,
      maxLength: 12,
    }),
    pads: fc.array(fc.boolean(), { maxLength: 12 }),
    pieceLength: fc.integer({ min: 1, max: 4096 }),
  })
  .filter((r) => r.lengths.reduce((a, b) => a + b, 0) > 0)
  .map((r) => geometry(r.lengths, r.pads, r.pieceLength));

describe('segmentsFor', () => {
  it('covers every piece exactly, in order, without overlap (property)', () => {
    fc.assert(
      fc.property(geoArb, (g) => {
        let expectAbs = 0;
        for (let p = 0; p < g.pieceCount; p++) {
          const size = p === g.pieceCount - 1 ? g.lastPieceLength : g.pieceLength;
          let pieceOff = 0;
          for (const s of segmentsFor(g, p, 0, size)) {
            const f = g.files[s.fileIndex]!;
            // Plain checks in the hot loop: expect() per segment makes this property slow.
            if (s.length <= 0 || s.pieceOffset !== pieceOff || f.offset + s.fileOffset !== expectAbs)
              return false;
            if (s.fileOffset + s.length > f.length || s.pad !== f.pad) return false;
            pieceOff += s.length;
            expectAbs += s.length;
          }
          if (pieceOff !== size) return false;
        }
        return expectAbs === g.files.reduce((n, f) => n + f.length, 0);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('sub-ranges agree with the whole piece (property)', () => {
    fc.assert(
      fc.property(geoArb, fc.nat(), fc.nat(), fc.nat(), (g, a, b, c) => {
        const p = a % g.pieceCount;
        const size = p === g.pieceCount - 1 ? g.lastPieceLength : g.pieceLength;
        const begin = b % size;
        const length = c % (size - begin + 1);
        const segs = segmentsFor(g, p, begin, length);
        expect(segs.reduce((n, s) => n + s.length, 0)).toBe(length);
        if (segs.length > 0) expect(segs[0]!.pieceOffset).toBe(begin);
      }),
      { seed: 99, numRuns: 300 },
    );
  });

  it('spans file boundaries and skips zero-length files', () => {
    const g = geometry([3, 0, 0, 5, 2], [], 4);
    expect(segmentsFor(g, 0, 0, 4)).toEqual([
      { fileIndex: 0, fileOffset: 0, length: 3, pieceOffset: 0, pad: false },
      { fileIndex: 3, fileOffset: 0, length: 1, pieceOffset: 3, pad: false },
    ]);
    expect(segmentsFor(g, 2, 0, 2)).toEqual([
      { fileIndex: 4, fileOffset: 0, length: 2, pieceOffset: 0, pad: false },
    ]);
    expect(segmentsFor(g, 1, 1, 3)).toEqual([
      { fileIndex: 3, fileOffset: 2, length: 3, pieceOffset: 1, pad: false },
    ]);
  });

  it('flags pad files and refuses ranges outside the piece', () => {
    const g = geometry([3, 1, 4], [false, true, false], 4);
    expect(segmentsFor(g, 0, 0, 4).map((s) => s.pad)).toEqual([false, true]);
    expect(() => segmentsFor(g, 0, 2, 3)).toThrow(RangeError);
    expect(() => segmentsFor(g, 2, 0, 1)).toThrow(RangeError);
    expect(() => segmentsFor(g, 1, -1, 1)).toThrow(RangeError);
  });
});

describe('filesOfPiece / piecesOfFile / overlap', () => {
  const { torrent: t } = makeTorrent(
    'x',
    [
      { path: ['a'], data: new Uint8Array(10) },
      { path: ['empty'], data: new Uint8Array(0) },
      { path: ['.pad', '6'], data: new Uint8Array(6), pad: true },
      { path: ['b'], data: new Uint8Array(20) },
    ],
    8,
  );

  it('lists the real files of a piece', () => {
    expect(filesOfPiece(t, 0)).toEqual([0]);
    expect(filesOfPiece(t, 1)).toEqual([0]); // bytes 8..15: a then pad
    expect(filesOfPiece(t, 2)).toEqual([3]);
  });

  it('maps files to piece ranges; zero-length files own none', () => {
    expect(piecesOfFile(t, 0)).toEqual({ first: 0, last: 1 });
    expect(piecesOfFile(t, 1)).toBeNull();
    expect(piecesOfFile(t, 3)).toEqual({ first: 2, last: 4 });
  });

  it('overlaps sum to each file length (property over the pieces)', () => {
    for (let fi = 0; fi < t.files.length; fi++) {
      let sum = 0;
      for (let p = 0; p < t.pieceCount; p++) sum += overlap(t, fi, p);
      expect(sum).toBe(t.files[fi]!.length);
    }
  });
});
