// Positioned I/O and the fd cache. RELIABILITY items: S63 (missing/short file → error naming the
// path and errno, never garbage; errno mapping), S65 (reads never create or truncate), B19 (pad
// files never written), and the DESIGN rule 8 oracle (no file handle left after close).

import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { FileStore } from '../../../native-host/src/storage/file-store.ts';
import { mapFsError } from '../../../native-host/src/storage/fs-errors.ts';
import { bytes, fdsUnder, makeTorrent, tempDir } from './make-torrent.ts';

let tmp: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(() => tmp.cleanup());

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (isMagnetarError(e) ? e.code : String(e)),
  );
}

/** Multi-file torrent with zero-length files, a pad file and a file smaller than a piece. */
function mixed() {
  return makeTorrent(
    'Album',
    [
      { path: ['empty-first'], data: new Uint8Array(0) },
      { path: ['a.bin'], data: bytes(1000, 1) },
      { path: ['tiny.txt'], data: bytes(7, 2) },
      { path: ['.pad', '17'], data: new Uint8Array(17), pad: true },
      { path: ['sub', 'empty'], data: new Uint8Array(0) },
      { path: ['sub', 'deep', 'b.bin'], data: bytes(2500, 3) },
      { path: ['c.bin'], data: bytes(300, 4) },
    ],
    256,
  );
}

describe('FileStore', () => {
  it('round-trips every piece across file boundaries; files hold exactly their bytes', async () => {
    const m = mixed();
    const store = new FileStore(m.torrent, tmp.dir);
    // Out of order, as a swarm delivers them.
    const order = [...Array(m.torrent.pieceCount).keys()].reverse();
    for (const i of order) await store.writePiece(i, m.piece(i));
    await store.createEmptyFiles();
    await store.flush();
    for (let i = 0; i < m.torrent.pieceCount; i++) {
      expect(await store.read(i, 0, m.piece(i).length)).toEqual(m.piece(i));
    }
    // An odd sub-range spanning a.bin → tiny.txt → pad.
    expect(await store.read(3, 200, 56)).toEqual(m.payload.slice(968, 1024));
    await store.close();
    const base = path.join(tmp.dir, 'Album');
    expect(await readFile(path.join(base, 'a.bin'))).toEqual(Buffer.from(bytes(1000, 1)));
    expect(await readFile(path.join(base, 'tiny.txt'))).toEqual(Buffer.from(bytes(7, 2)));
    expect(await readFile(path.join(base, 'sub', 'deep', 'b.bin'))).toEqual(Buffer.from(bytes(2500, 3)));
    expect((await stat(path.join(base, 'empty-first'))).size).toBe(0);
    expect((await stat(path.join(base, 'sub', 'empty'))).size).toBe(0);
    expect((await readdir(base)).sort()).toEqual(['a.bin', 'c.bin', 'empty-first', 'sub', 'tiny.txt']); // no .pad
  });

  it('single-file torrents live at saveDir/<name>', async () => {
    const m = makeTorrent('movie.mkv', [{ path: ['movie.mkv'], data: bytes(600, 9) }], 256);
    const store = new FileStore(m.torrent, tmp.dir);
    for (let i = 0; i < 3; i++) await store.writePiece(i, m.piece(i));
    await store.close();
    expect(await readFile(path.join(tmp.dir, 'movie.mkv'))).toEqual(Buffer.from(m.payload));
  });

  it('reads of missing or short files fail with STORAGE_MISSING and create nothing', async () => {
    const m = mixed();
    const store = new FileStore(m.torrent, tmp.dir);
    expect(await codeOf(store.read(0, 0, 10))).toBe('STORAGE_MISSING');
    expect(await readdir(tmp.dir)).toEqual([]);
    await mkdir(path.join(tmp.dir, 'Album'));
    await writeFile(path.join(tmp.dir, 'Album', 'a.bin'), bytes(100, 1));
    expect(await codeOf(store.read(0, 0, 256))).toBe('STORAGE_MISSING');
    expect(await store.read(0, 0, 100)).toEqual(bytes(100, 1));
    expect((await stat(path.join(tmp.dir, 'Album', 'a.bin'))).size).toBe(100);
    await store.close();
  });

  it('writing into an existing longer file neither truncates nor touches other bytes', async () => {
    const m = makeTorrent('f', [{ path: ['f'], data: bytes(512, 5) }], 256);
    const existing = bytes(2048, 77);
    await writeFile(path.join(tmp.dir, 'f'), existing);
    const store = new FileStore(m.torrent, tmp.dir);
    await store.writePiece(1, m.piece(1));
    await store.close();
    const after = await readFile(path.join(tmp.dir, 'f'));
    expect(after.length).toBe(2048);
    expect(new Uint8Array(after.subarray(256, 512))).toEqual(m.piece(1));
    expect(new Uint8Array(after.subarray(0, 256))).toEqual(existing.subarray(0, 256));
    expect(new Uint8Array(after.subarray(512))).toEqual(existing.subarray(512));
  });

  it('keeps at most maxOpenFiles handles and none after close', async () => {
    const files = Array.from({ length: 20 }, (_, i) => ({ path: [`f${i}`], data: bytes(100, i + 1) }));
    const m = makeTorrent('many', files, 300);
    const store = new FileStore(m.torrent, tmp.dir, { maxOpenFiles: 3 });
    await Promise.all([...Array(m.torrent.pieceCount).keys()].map((i) => store.writePiece(i, m.piece(i))));
    expect(store.openHandles).toBeLessThanOrEqual(3);
    await store.flush();
    const reads = await Promise.all(
      [...Array(m.torrent.pieceCount).keys()].map((i) => store.read(i, 0, m.piece(i).length)),
    );
    reads.forEach((r, i) => {
      expect(r).toEqual(m.piece(i));
    });
    expect(store.openHandles).toBeLessThanOrEqual(3);
    await store.close();
    expect(store.openHandles).toBe(0);
    expect(await fdsUnder(tmp.dir)).toEqual([]);
  });

  it('EACCES on a read-only directory maps to STORAGE_IO with path and errno', async () => {
    if (process.getuid?.() === 0) {
      // Root ignores permission bits; the mapping itself is checked below with a synthetic errno.
      const e = mapFsError(Object.assign(new Error('x'), { code: 'EACCES' }), 'open', '/p');
      expect(e.code).toBe('STORAGE_IO');
      expect(e.details).toEqual({ path: '/p', op: 'open', errno: 'EACCES' });
      return;
    }
    const m = makeTorrent(
      'd',
      [
        { path: ['x'], data: bytes(10, 1) },
        { path: ['y'], data: bytes(10, 2) },
      ],
      64,
    );
    await mkdir(path.join(tmp.dir, 'd'));
    await chmod(path.join(tmp.dir, 'd'), 0o500);
    const store = new FileStore(m.torrent, tmp.dir);
    expect(await codeOf(store.writePiece(0, m.piece(0)))).toBe('STORAGE_IO');
    await store.close();
  });

  it('maps errnos: ENOSPC → DISK_FULL, EROFS/EIO/EMFILE → IO, ENOENT → MISSING', () => {
    const map = (code: string) => mapFsError(Object.assign(new Error(code), { code }), 'write', '/x/y').code;
    expect(map('ENOSPC')).toBe('STORAGE_DISK_FULL');
    expect(map('EROFS')).toBe('STORAGE_IO');
    expect(map('EIO')).toBe('STORAGE_IO');
    expect(map('EMFILE')).toBe('STORAGE_IO');
    expect(map('ENOENT')).toBe('STORAGE_MISSING');
    const e = mapFsError(Object.assign(new Error('x'), { code: 'EIO' }), 'read', '/x/y');
    expect(e.details).toMatchObject({ path: '/x/y', errno: 'EIO', op: 'read' });
  });

  it('refuses operations after close', async () => {
    const m = mixed();
    const store = new FileStore(m.torrent, tmp.dir);
    await store.close();
    expect(await codeOf(store.read(0, 0, 1))).toBe('STORAGE_IO');
  });
});
