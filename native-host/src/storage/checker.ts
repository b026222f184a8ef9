// Start-up check of data already on disk: which pieces hash correctly (RELIABILITY S64–S66, S71).
//
// - Read-only: files are stat'ed and opened O_RDONLY; nothing is created, truncated or touched,
//   even when a file of the same name holds other content (S65, qBittorrent#6277).
// - Pieces whose files are missing or too short are skipped without reading: a fresh download
//   checks in the time of a few stats, not a read of the whole size.
// - Memory is bounded: at most `window` pieces are read or hashed at once, and reads of the next
//   pieces overlap hashing of the previous ones, so the disk and both hash workers stay busy.
// - Cancellable through an AbortSignal; waits for its in-flight reads before rejecting, so no
//   handle is in use after it returns.

import { Bitfield } from '../core/bitfield.ts';
import { MagnetarError } from '../core/errors.ts';
import { bytesEqual } from '../core/hex.ts';
import { pieceHash, pieceSize, type ValidatedTorrent } from '../metainfo/types.ts';
import type { FileStat, FileStore } from './file-store.ts';
import type { Hasher } from './hasher.ts';
import { segmentsFor } from './layout.ts';

export interface CheckOptions {
  readonly signal?: AbortSignal;
  /** Called after each piece is decided: pieces checked so far, total, pieces found good. */
  readonly onProgress?: (checked: number, total: number, good: number) => void;
  /** Pieces read or hashed at once (memory ≈ window × piece length). Default 2 × hash threads. */
  readonly window?: number;
}

/** Sizes of the torrent's files now (null = missing, or a pad file). */
export async function statFiles(store: FileStore): Promise<(FileStat | null)[]> {
  const out: (FileStat | null)[] = [];
  for (let i = 0; i < store.torrent.files.length; i++) out.push(await store.stat(i));
  return out;
}

/** True when every real file holds the bytes piece `index` needs (so reading it cannot be short). */
export function pieceReadable(
  t: ValidatedTorrent,
  index: number,
  stats: readonly (FileStat | null)[],
): boolean {
  for (const s of segmentsFor(t, index, 0, pieceSize(t, index))) {
    if (s.pad) continue;
    const st = stats[s.fileIndex];
    if (!st || st.size < s.fileOffset + s.length) return false;
  }
  return true;
}

function aborted(): MagnetarError {
  return new MagnetarError('ABORTED', 'check cancelled');
}

/** Hash-checks every readable piece; returns the pieces that match their hash. */
export async function checkPieces(
  store: FileStore,
  hasher: Hasher,
  opts: CheckOptions = {},
): Promise<Bitfield> {
  const t = store.torrent;
  const have = new Bitfield(t.pieceCount);
  if (opts.signal?.aborted) throw aborted();
  const stats = await statFiles(store);
  const window = Math.max(1, opts.window ?? hasher.threads * 2);
  let next = 0;
  let checked = 0;
  let failure: unknown = null;

  const lane = async (): Promise<void> => {
    while (failure === null) {
      if (opts.signal?.aborted) {
        failure ??= aborted();
        return;
      }
      const i = next++;
      if (i >= t.pieceCount) return;
      try {
        if (pieceReadable(t, i, stats)) {
          const data = await store.read(i, 0, pieceSize(t, i));
          // The buffer is ours alone: hand it to the worker instead of copying it.
          const digest = await hasher.hash(data, { transfer: true });
          if (bytesEqual(digest, pieceHash(t, i))) have.set(i);
        }
      } catch (e) {
        // A file that shrank or vanished since the stat only means the piece is missing.
        if (!(e instanceof MagnetarError && e.code === 'STORAGE_MISSING')) failure ??= e;
        if (failure !== null) return;
      }
      checked++;
      opts.onProgress?.(checked, t.pieceCount, have.count);
    }
  };

  await Promise.all(Array.from({ length: Math.min(window, Math.max(1, t.pieceCount)) }, lane));
  if (failure !== null) throw failure;
  return have;
}
