// Test factory: in-memory file contents → a ValidatedTorrent with real SHA-1 piece hashes, built
// without the metainfo parser so storage tests do not depend on it.

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toHex } from '../../../native-host/src/core/hex.ts';
import type { TorrentFile, ValidatedTorrent } from '../../../native-host/src/metainfo/types.ts';

export interface FileSpec {
  readonly path: readonly string[];
  /** Contents; pad files should be zeros (BEP 47). */
  readonly data: Uint8Array;
  readonly pad?: boolean;
}

export interface Made {
  readonly torrent: ValidatedTorrent;
  /** The concatenated payload (pad bytes included). */
  readonly payload: Uint8Array;
  piece(i: number): Uint8Array;
}

export function makeTorrent(
  name: string,
  files: readonly FileSpec[],
  pieceLength: number,
  opts: { multiFile?: boolean; salt?: string } = {},
): Made {
  const multiFile = opts.multiFile ?? files.length > 1;
  const total = files.reduce((n, f) => n + f.data.length, 0);
  const payload = new Uint8Array(total);
  const tfiles: TorrentFile[] = [];
  let off = 0;
  for (const f of files) {
    payload.set(f.data, off);
    tfiles.push({
      path: multiFile ? [...f.path] : [name],
      length: f.data.length,
      offset: off,
      pad: f.pad ?? false,
    });
    off += f.data.length;
  }
  const pieceCount = Math.max(1, Math.ceil(total / pieceLength));
  const lastPieceLength = total - (pieceCount - 1) * pieceLength;
  const hashes = new Uint8Array(pieceCount * 20);
  for (let i = 0; i < pieceCount; i++) {
    const d = createHash('sha1')
      .update(payload.subarray(i * pieceLength, Math.min(total, (i + 1) * pieceLength)))
      .digest();
    hashes.set(d, i * 20);
  }
  const infoBytes = new TextEncoder().encode(`${name}:${pieceLength}:${opts.salt ?? ''}:${toHex(hashes)}`);
  const infoHash = new Uint8Array(createHash('sha1').update(infoBytes).digest());
  const torrent: ValidatedTorrent = {
    infoHash,
    infoHashHex: toHex(infoHash),
    name,
    pieceLength,
    pieceCount,
    lastPieceLength,
    totalLength: total,
    pieceHashes: hashes,
    files: tfiles,
    multiFile,
    announce: [],
    private: false,
    urlList: [],
    infoBytes,
    warnings: [],
  };
  return {
    torrent,
    payload,
    piece: (i) => payload.slice(i * pieceLength, Math.min(total, (i + 1) * pieceLength)),
  };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function tempDir(
  prefix = 'magnetar-storage-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Open fds of this process pointing under `dir` (Linux /proc): must be 0 after close. */
export async function fdsUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      const target = await readlink(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // fd closed between readdir and readlink
    }
  }
  return out;
}
