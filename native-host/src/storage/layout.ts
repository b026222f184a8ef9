// Piece ⇄ file geometry (pure). A torrent's payload is its files concatenated in order (BEP 3);
// a piece is a fixed-size window over that payload, so one piece may span several files and one
// file several pieces. Zero-length files own no payload bytes and so never appear in a segment;
// BEP 47 pad files do appear (flagged `pad`) so that segments always cover a range exactly, and
// the file store decides what to do with them (never written, read back as zeros).

import { pieceSize, type ValidatedTorrent } from '../metainfo/types.ts';

export interface Segment {
  readonly fileIndex: number;
  /** Byte offset inside the file. */
  readonly fileOffset: number;
  readonly length: number;
  /** Byte offset inside the piece where this segment starts. */
  readonly pieceOffset: number;
  /** BEP 47 padding file: zeros by definition, never on disk. */
  readonly pad: boolean;
}

type Geometry = Pick<ValidatedTorrent, 'files' | 'pieceLength' | 'pieceCount' | 'lastPieceLength'>;

/** Index of the first file whose bytes end after `abs`, i.e. the file holding payload byte `abs`. */
function fileAt(t: Geometry, abs: number): number {
  // File ends (offset + length) never decrease in payload order, so a lower-bound search works;
  // zero-length files end where they start and are skipped naturally.
  let lo = 0;
  let hi = t.files.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const f = t.files[mid]!;
    if (f.offset + f.length > abs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The file segments covering `length` bytes at `begin` inside piece `pieceIndex`, in payload
 * order, non-overlapping and contiguous. Throws RangeError (a bug, not input) if the range leaves
 * the piece: callers validate peer requests before getting here.
 */
export function segmentsFor(t: Geometry, pieceIndex: number, begin: number, length: number): Segment[] {
  if (pieceIndex < 0 || pieceIndex >= t.pieceCount) throw new RangeError(`piece ${pieceIndex} out of range`);
  const size = pieceIndex === t.pieceCount - 1 ? t.lastPieceLength : t.pieceLength;
  if (begin < 0 || length < 0 || begin + length > size) {
    throw new RangeError(`range ${begin}+${length} outside piece ${pieceIndex} of ${size} bytes`);
  }
  const out: Segment[] = [];
  if (length === 0) return out;
  let abs = pieceIndex * t.pieceLength + begin;
  let left = length;
  let pieceOffset = begin;
  for (let f = fileAt(t, abs); left > 0 && f < t.files.length; f++) {
    const file = t.files[f]!;
    if (file.length === 0) continue;
    const fileOffset = abs - file.offset;
    const n = Math.min(left, file.length - fileOffset);
    out.push({ fileIndex: f, fileOffset, length: n, pieceOffset, pad: file.pad });
    abs += n;
    left -= n;
    pieceOffset += n;
  }
  if (left > 0) throw new RangeError(`files end before piece ${pieceIndex}`);
  return out;
}

/** Every segment of a whole piece. */
export function pieceSegments(t: ValidatedTorrent, pieceIndex: number): Segment[] {
  return segmentsFor(t, pieceIndex, 0, pieceSize(t, pieceIndex));
}

/** Indices of the real (non-pad, non-empty) files a piece touches. */
export function filesOfPiece(t: Geometry, pieceIndex: number): number[] {
  const size = pieceIndex === t.pieceCount - 1 ? t.lastPieceLength : t.pieceLength;
  return segmentsFor(t, pieceIndex, 0, size)
    .filter((s) => !s.pad)
    .map((s) => s.fileIndex);
}

/**
 * Pieces holding bytes of file `fileIndex` as an inclusive range, or null for a zero-length file
 * (complete as soon as it exists). Used for per-file progress.
 */
export function piecesOfFile(t: Geometry, fileIndex: number): { first: number; last: number } | null {
  const file = t.files[fileIndex];
  if (!file) throw new RangeError(`file ${fileIndex} out of range`);
  if (file.length === 0) return null;
  return {
    first: Math.floor(file.offset / t.pieceLength),
    last: Math.floor((file.offset + file.length - 1) / t.pieceLength),
  };
}

/** Bytes of file `fileIndex` that lie inside piece `pieceIndex` (0 when they don't overlap). */
export function overlap(t: Geometry, fileIndex: number, pieceIndex: number): number {
  const file = t.files[fileIndex]!;
  const start = pieceIndex * t.pieceLength;
  const end = start + (pieceIndex === t.pieceCount - 1 ? t.lastPieceLength : t.pieceLength);
  return Math.max(0, Math.min(end, file.offset + file.length) - Math.max(start, file.offset));
}
