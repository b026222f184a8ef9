// The facade the engine uses. RELIABILITY items: S60/S61 (resume claims only pieces written and
// fsynced; claimed pieces spot-checked, a failed spot check falls back to a full check), S62 (real
// ENOSPC on a 4 MiB tmpfs: STORAGE_DISK_FULL, the piece is not counted, the resume file is never
// replaced by a 0-byte one, writing resumes once space is freed), S67 (rejected resume → full
// check), S68 (symlink escape through the facade), B15 (lexical escape refused at open), DESIGN
// rule 7 (write queue water marks) and rule 8 (no handle or worker left after close).

import { execFileSync } from 'node:child_process';
import { mkdir, open, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bitfield } from '../../../native-host/src/core/bitfield.ts';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { TorrentStorage } from '../../../native-host/src/storage/torrent-storage.ts';
import { bytes, fdsUnder, makeTorrent, tempDir } from './make-torrent.ts';

let tmp: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(() => tmp.cleanup());

function album() {
  return makeTorrent(
    'Album',
    [
      { path: ['a.bin'], data: bytes(3000, 1) },
      { path: ['z', 'empty'], data: new Uint8Array(0) },
      { path: ['b.bin'], data: bytes(100, 2) },
      { path: ['c.bin'], data: bytes(5000, 3) },
    ],
    512,
  );
}

const all = (n: number) => [...Array(n).keys()];

describe('TorrentStorage', () => {
  it('verifies, writes, saves resume, and restarts from it without a full check', async () => {
    const m = album();
    const resumePath = path.join(tmp.dir, 'album.resume');
    const saveDir = path.join(tmp.dir, 'dl');
    const s = await TorrentStorage.open({ torrent: m.torrent, saveDir, resumePath });
    expect((await s.check()).count).toBe(0);
    expect(s.lastCheck).toEqual({ kind: 'full', rejected: 'missing' });
    const have = new Bitfield(m.torrent.pieceCount);
    for (const i of all(m.torrent.pieceCount)) {
      const bad = m.piece(i);
      bad[0] = bad[0]! ^ 1;
      expect(await s.verify(i, bad)).toBe(false);
      const good = m.piece(i);
      expect(await s.verify(i, good)).toBe(true);
      await s.writePiece(i, good);
      have.set(i);
    }
    await s.saveResume(have);
    expect(s.fileProgress(have)).toEqual([3000, 0, 100, 5000]);
    await s.close();
    expect(s.openHandles).toBe(0);
    expect(await stat(path.join(saveDir, 'Album', 'z', 'empty'))).toMatchObject({ size: 0 });

    const s2 = await TorrentStorage.open({ torrent: m.torrent, saveDir, resumePath });
    let reported = 0;
    const have2 = await s2.check({ onProgress: (c) => (reported = c) });
    expect(s2.lastCheck).toEqual({ kind: 'resume', spotChecked: 4 });
    expect(have2.complete).toBe(true);
    expect(reported).toBe(m.torrent.pieceCount);
    expect(await s2.read(6, 100, 300)).toEqual(m.payload.slice(6 * 512 + 100, 6 * 512 + 400));
    await s2.close();
    expect(await fdsUnder(tmp.dir)).toEqual([]);
  });

  it('resume claims only pieces that were written and flushed, whatever the caller passes', async () => {
    const m = album();
    const resumePath = path.join(tmp.dir, 'r');
    const s = await TorrentStorage.open({ torrent: m.torrent, saveDir: tmp.dir, resumePath });
    await s.check();
    await s.writePiece(2, m.piece(2));
    await s.writePiece(5, m.piece(5));
    const claim = new Bitfield(m.torrent.pieceCount);
    claim.setAll();
    await s.saveResume(claim);
    await s.close();
    const s2 = await TorrentStorage.open({ torrent: m.torrent, saveDir: tmp.dir, resumePath });
    const have = await s2.check();
    expect(s2.lastCheck?.kind).toBe('resume');
    expect(all(m.torrent.pieceCount).filter((i) => have.has(i))).toEqual([2, 5]);
    await s2.close();
  });

  it('a failed spot check (data changed under an unchanged size and mtime) falls back to a full check', async () => {
    const m = album();
    const resumePath = path.join(tmp.dir, 'r');
    const s = await TorrentStorage.open({ torrent: m.torrent, saveDir: tmp.dir, resumePath });
    await s.check();
    const have = new Bitfield(m.torrent.pieceCount);
    for (const i of all(m.torrent.pieceCount)) {
      await s.writePiece(i, m.piece(i));
      have.set(i);
    }
    await s.flush();
    // Whole-second mtimes round-trip exactly through utimes, so the resume data can match them.
    const file = path.join(tmp.dir, 'Album', 'c.bin');
    const T = 1_600_000_000;
    for (const f of ['a.bin', 'b.bin', 'c.bin']) await utimes(path.join(tmp.dir, 'Album', f), T, T);
    await s.saveResume(have);
    await s.close();
    // Flip a byte in the last piece (always sampled), then restore the mtime: a "power cut".
    const fh = await open(file, 'r+');
    await fh.write(new Uint8Array([0xee]), 0, 1, 4999);
    await fh.close();
    await utimes(file, T, T);
    const s2 = await TorrentStorage.open({ torrent: m.torrent, saveDir: tmp.dir, resumePath });
    const have2 = await s2.check();
    expect(s2.lastCheck).toEqual({ kind: 'full', rejected: 'spot-check' });
    expect(all(m.torrent.pieceCount).filter((i) => !have2.has(i))).toEqual([m.torrent.pieceCount - 1]);
    await s2.close();
  });

  it('pauses the caller between the high and low water marks', async () => {
    const m = makeTorrent('w', [{ path: ['w'], data: bytes(64 * 1024, 4) }], 4096);
    const s = await TorrentStorage.open({
      torrent: m.torrent,
      saveDir: tmp.dir,
      highWaterBytes: 16 * 1024,
      lowWaterBytes: 4096,
    });
    const writes = all(m.torrent.pieceCount).map((i) => s.writePiece(i, m.piece(i)));
    expect(s.pendingWriteBytes).toBe(64 * 1024);
    expect(s.aboveHighWater).toBe(true);
    await s.whenBelowLowWater();
    expect(s.pendingWriteBytes).toBeLessThanOrEqual(4096);
    await Promise.all(writes);
    expect(s.pendingWriteBytes).toBe(0);
    await s.close();
    expect(await readFile(path.join(tmp.dir, 'w'))).toEqual(Buffer.from(m.payload));
  });

  it('refuses a path that escapes lexically at open, and a symlinked folder on write (S68)', async () => {
    const evil = makeTorrent(
      'E',
      [
        { path: ['..', 'x'], data: bytes(10, 1) },
        { path: ['y'], data: bytes(10, 2) },
      ],
      16,
    );
    await expect(TorrentStorage.open({ torrent: evil.torrent, saveDir: tmp.dir })).rejects.toMatchObject({
      code: 'STORAGE_PATH_ESCAPE',
    });
    const m = album();
    const saveDir = path.join(tmp.dir, 'save');
    const outside = path.join(tmp.dir, 'outside');
    await mkdir(saveDir);
    await mkdir(outside);
    await symlink(outside, path.join(saveDir, 'Album'));
    const s = await TorrentStorage.open({ torrent: m.torrent, saveDir });
    // Checking reads through the link too, so it fails the same way instead of reporting 0%.
    await expect(s.check()).rejects.toMatchObject({ code: 'STORAGE_PATH_ESCAPE' });
    await expect(s.writePiece(0, m.piece(0))).rejects.toMatchObject({ code: 'STORAGE_PATH_ESCAPE' });
    await s.close();
  });
});

describe('TorrentStorage on a full disk (real 4 MiB tmpfs, S62)', () => {
  it('reports STORAGE_DISK_FULL, counts no partial piece, keeps the resume file, recovers', async () => {
    const mnt = path.join(tmp.dir, 'mnt');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      // Never skip silently (RELIABILITY c.4): this test needs root or CAP_SYS_ADMIN.
      throw new Error(`cannot mount a tmpfs for the ENOSPC test (run as root): ${String(e)}`);
    }
    try {
      const piece = 1024 * 1024;
      const m = makeTorrent('big.bin', [{ path: ['big.bin'], data: bytes(3 * piece, 9) }], piece);
      // Someone else's 2.5 MiB on the same disk leaves room for about one piece.
      const filler = path.join(mnt, 'filler');
      await writeFile(filler, new Uint8Array(2.5 * piece));
      const resumePath = path.join(mnt, 'big.resume');
      const s = await TorrentStorage.open({ torrent: m.torrent, saveDir: mnt, resumePath });
      await s.check();
      const have = new Bitfield(m.torrent.pieceCount);
      await s.writePiece(0, m.piece(0));
      have.set(0);
      await s.saveResume(have);
      const firstResume = await readFile(resumePath, 'utf8');

      const err = await s.writePiece(1, m.piece(1)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isMagnetarError(err, 'STORAGE_DISK_FULL')).toBe(true);
      expect((err as { details: { path: string } }).details.path).toBe(path.join(mnt, 'big.bin'));
      // An engine bug claiming the failed piece must not reach the resume file.
      have.set(1);
      const saved = await s.saveResume(have).then(
        () => 'saved',
        (e: unknown) => (isMagnetarError(e) ? e.code : String(e)),
      );
      expect(['saved', 'STORAGE_DISK_FULL']).toContain(saved);
      const text = await readFile(resumePath, 'utf8');
      if (saved !== 'saved') expect(text).toBe(firstResume); // never a 0-byte or half file
      await s.close();

      const s2 = await TorrentStorage.open({ torrent: m.torrent, saveDir: mnt, resumePath });
      const after = await s2.check();
      expect(all(3).filter((i) => after.has(i))).toEqual([0]);
      // Space frees: the same storage retries and completes.
      await rm(filler);
      await s2.writePiece(1, m.piece(1));
      await s2.writePiece(2, m.piece(2));
      after.set(1);
      after.set(2);
      await s2.saveResume(after);
      await s2.close();

      const s3 = await TorrentStorage.open({ torrent: m.torrent, saveDir: mnt, resumePath });
      expect((await s3.check()).complete).toBe(true);
      expect(s3.lastCheck?.kind).toBe('resume');
      await s3.close();
      // Buffer.equals, not toEqual: vitest's deep equality over 3 MiB takes seconds.
      expect((await readFile(path.join(mnt, 'big.bin'))).equals(m.payload)).toBe(true);
      expect(await fdsUnder(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
