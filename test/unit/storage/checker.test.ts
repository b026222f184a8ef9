// Start-up check. RELIABILITY items: S64 (modified data detected by hash), S65 (checking never
// creates, truncates or modifies anything — size, mtime and bytes unchanged), S66 (a piece counts
// only after a full hash), S71 (cancellable, progress reported, bounded window).

import { mkdir, open, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { checkPieces } from '../../../native-host/src/storage/checker.ts';
import { FileStore } from '../../../native-host/src/storage/file-store.ts';
import { Hasher } from '../../../native-host/src/storage/hasher.ts';
import { bytes, fdsUnder, makeTorrent, tempDir } from './make-torrent.ts';

let tmp: { dir: string; cleanup(): Promise<void> };
let hasher: Hasher;
beforeEach(async () => {
  tmp = await tempDir();
  hasher = new Hasher();
});
afterEach(async () => {
  await hasher.close();
  await tmp.cleanup();
});

function album() {
  return makeTorrent(
    'Album',
    [
      { path: ['a.bin'], data: bytes(3000, 1) },
      { path: ['empty'], data: new Uint8Array(0) },
      { path: ['b.bin'], data: bytes(100, 2) },
      { path: ['d', 'c.bin'], data: bytes(5000, 3) },
    ],
    512,
  );
}

/** Deterministic subset of pieces from a seed. */
function subset(n: number, seed: number): number[] {
  const r = bytes(n, seed);
  return [...Array(n).keys()].filter((i) => r[i]! % 2 === 0);
}

async function snapshot(dir: string): Promise<Map<string, { size: number; mtimeMs: number; data: string }>> {
  const out = new Map<string, { size: number; mtimeMs: number; data: string }>();
  const walk = async (d: string): Promise<void> => {
    for (const ent of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, ent.name);
      if (ent.isDirectory()) await walk(p);
      else {
        const s = await stat(p);
        out.set(p, { size: s.size, mtimeMs: s.mtimeMs, data: (await readFile(p)).toString('base64') });
      }
    }
  };
  await walk(dir);
  return out;
}

describe('checkPieces', () => {
  it('finds exactly the pieces written, minus a corrupted one', async () => {
    const m = album();
    const written = subset(m.torrent.pieceCount, 11);
    expect(written.length).toBeGreaterThan(3);
    const w = new FileStore(m.torrent, tmp.dir);
    for (const i of written) await w.writePiece(i, m.piece(i));
    await w.close();
    // Corrupt one byte of one written piece (inside a.bin).
    const victim = written.find((i) => (i + 1) * 512 <= 3000)!;
    const fh = await open(path.join(tmp.dir, 'Album', 'a.bin'), 'r+');
    await fh.write(new Uint8Array([0xff ^ m.payload[victim * 512 + 5]!]), 0, 1, victim * 512 + 5);
    await fh.close();

    const store = new FileStore(m.torrent, tmp.dir);
    const progress: number[] = [];
    const have = await checkPieces(store, hasher, { onProgress: (c) => progress.push(c) });
    await store.close();
    const found = [...Array(m.torrent.pieceCount).keys()].filter((i) => have.has(i));
    expect(found).toEqual(written.filter((i) => i !== victim));
    expect(progress.at(-1)).toBe(m.torrent.pieceCount);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await fdsUnder(tmp.dir)).toEqual([]);
  });

  it('on an empty save dir sets nothing and creates nothing', async () => {
    const m = album();
    const store = new FileStore(m.torrent, tmp.dir);
    const have = await checkPieces(store, hasher);
    await store.close();
    expect(have.count).toBe(0);
    expect(await readdir(tmp.dir)).toEqual([]);
  });

  it('never modifies an existing file with other content (S65): size, mtime, bytes unchanged', async () => {
    const m = album();
    const base = path.join(tmp.dir, 'Album');
    await mkdir(path.join(base, 'd'), { recursive: true });
    // A longer a.bin, a shorter c.bin, both someone else's.
    await writeFile(path.join(base, 'a.bin'), bytes(9000, 42));
    await writeFile(path.join(base, 'd', 'c.bin'), bytes(10, 43));
    const old = new Date('2020-01-02T03:04:05Z');
    await utimes(path.join(base, 'a.bin'), old, old);
    await utimes(path.join(base, 'd', 'c.bin'), old, old);
    const before = await snapshot(tmp.dir);

    const store = new FileStore(m.torrent, tmp.dir);
    const have = await checkPieces(store, hasher);
    await store.close();
    expect(have.count).toBe(0);
    expect(await snapshot(tmp.dir)).toEqual(before);
  });

  it('finds a complete download and honours a small window', async () => {
    const m = album();
    const w = new FileStore(m.torrent, tmp.dir);
    for (let i = 0; i < m.torrent.pieceCount; i++) await w.writePiece(i, m.piece(i));
    await w.close();
    const store = new FileStore(m.torrent, tmp.dir);
    const have = await checkPieces(store, hasher, { window: 1 });
    await store.close();
    expect(have.complete).toBe(true);
  });

  it('stops with ABORTED when the signal fires, leaving no handle open', async () => {
    const m = album();
    const w = new FileStore(m.torrent, tmp.dir);
    for (let i = 0; i < m.torrent.pieceCount; i++) await w.writePiece(i, m.piece(i));
    await w.close();
    const store = new FileStore(m.torrent, tmp.dir);
    const ac = new AbortController();
    const err = await checkPieces(store, hasher, {
      signal: ac.signal,
      window: 1,
      onProgress: (c) => {
        if (c === 3) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect(isMagnetarError(err, 'ABORTED')).toBe(true);
    await store.close();
    expect(await fdsUnder(tmp.dir)).toEqual([]);
  });
});
