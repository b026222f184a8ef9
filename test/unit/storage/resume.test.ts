// Fast-resume file. RELIABILITY items: S60 (atomic temp + fsync + rename: a failed write keeps the
// previous file, never a 0-byte one), S61 (claimed pieces are spot-checkable: verifyPieces), S67
// (garbage, truncated, other info-hash, wrong sizes, wrong bitfield length → rejected with a reason).

import { mkdir, open, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bitfield } from '../../../native-host/src/core/bitfield.ts';
import { statFiles } from '../../../native-host/src/storage/checker.ts';
import { FileStore } from '../../../native-host/src/storage/file-store.ts';
import { Hasher } from '../../../native-host/src/storage/hasher.ts';
import {
  decodeResume,
  encodeResume,
  loadResume,
  saveResumeFile,
  verifyPieces,
} from '../../../native-host/src/storage/resume.ts';
import { bytes, makeTorrent, tempDir } from './make-torrent.ts';

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

const files = [
  { path: ['a.bin'], data: bytes(2000, 1) },
  { path: ['b.bin'], data: bytes(1500, 2) },
];

/** Writes pieces `have` of a torrent and a resume file claiming them. */
async function setup(have: number[]) {
  const m = makeTorrent('R', files, 256);
  const store = new FileStore(m.torrent, tmp.dir);
  for (const i of have) await store.writePiece(i, m.piece(i));
  await store.flush();
  const bf = new Bitfield(m.torrent.pieceCount);
  for (const i of have) bf.set(i);
  const resume = path.join(tmp.dir, 'R.resume');
  await saveResumeFile(resume, encodeResume(m.torrent, bf, await statFiles(store)));
  return { m, store, bf, resume };
}

describe('resume', () => {
  it('round-trips the bitfield when nothing changed', async () => {
    const { m, store, bf, resume } = await setup([0, 3, 7, 13]);
    const r = await loadResume(resume, m.torrent, await statFiles(store));
    expect('bitfield' in r && [...r.bitfield.bytes]).toEqual([...bf.bytes]);
    expect(await verifyPieces(store, hasher, m.torrent, [0, 3, 7, 13])).toEqual([]);
    await store.close();
    expect((await readdir(tmp.dir)).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('rejects a missing file, garbage and a truncated file', async () => {
    const { m, store, resume } = await setup([1]);
    const stats = await statFiles(store);
    expect(await loadResume(path.join(tmp.dir, 'nope'), m.torrent, stats)).toEqual({ rejected: 'missing' });
    const text = await readFile(resume, 'utf8');
    await truncate(resume, Math.floor(text.length / 2));
    expect(await loadResume(resume, m.torrent, stats)).toMatchObject({ rejected: 'garbage' });
    await writeFile(resume, bytes(300, 5));
    expect(await loadResume(resume, m.torrent, stats)).toMatchObject({ rejected: 'garbage' });
    await writeFile(resume, '[1,2,3]');
    expect(await loadResume(resume, m.torrent, stats)).toMatchObject({ rejected: 'garbage' });
    await writeFile(resume, 'x'.repeat(1_000_000));
    expect(await loadResume(resume, m.torrent, stats)).toMatchObject({ rejected: 'too-large' });
    await store.close();
  });

  it('rejects another info-hash, another piece count and a bitfield of the wrong length', async () => {
    const { m, store, resume } = await setup([1]);
    const stats = await statFiles(store);
    const text = await readFile(resume, 'utf8');
    const other = makeTorrent('R', files, 256, { salt: 'other' });
    expect(decodeResume(other.torrent, text, stats)).toMatchObject({ rejected: 'info-hash' });

    const obj = JSON.parse(text) as Record<string, unknown>;
    expect(decodeResume(m.torrent, JSON.stringify({ ...obj, pieceCount: 99 }), stats)).toMatchObject({
      rejected: 'piece-count',
    });
    const long = Buffer.alloc(m.torrent.pieceCount).toString('base64');
    expect(decodeResume(m.torrent, JSON.stringify({ ...obj, bitfield: long }), stats)).toMatchObject({
      rejected: 'bitfield-length',
    });
    // Spare bits set beyond the last piece are also a wrong bitfield.
    const spare = Buffer.from([0, 0xff]).toString('base64');
    expect(decodeResume(m.torrent, JSON.stringify({ ...obj, bitfield: spare }), stats)).toMatchObject({
      rejected: 'bitfield-length',
    });
    expect(decodeResume(m.torrent, JSON.stringify({ ...obj, v: 2 }), stats)).toMatchObject({
      rejected: 'version',
    });
    expect(decodeResume(m.torrent, JSON.stringify({ ...obj, files: [] }), stats)).toMatchObject({
      rejected: 'file-count',
    });
    await store.close();
  });

  it('rejects when a file size or mtime changed since the save', async () => {
    const { m, store, resume } = await setup([0, 9]);
    await truncate(path.join(tmp.dir, 'R', 'b.bin'), 100);
    expect(await loadResume(resume, m.torrent, await statFiles(store))).toMatchObject({
      rejected: 'file-changed',
    });
    await store.close();

    const again = await setup([0]);
    const stats = await statFiles(again.store);
    const moved = stats.map((s) => (s ? { ...s, mtimeMs: s.mtimeMs + 1000 } : s));
    expect(await loadResume(again.resume, again.m.torrent, moved)).toMatchObject({
      rejected: 'file-changed',
    });
    await again.store.close();
  });

  it('a failed save keeps the previous file intact (S60/S62)', async () => {
    const { m, store, resume } = await setup([2]);
    const before = await readFile(resume, 'utf8');
    // Block the temp file's name with a directory so the write fails before the rename.
    await mkdir(`${resume}.${process.pid}.tmp`);
    await expect(saveResumeFile(resume, 'new content')).rejects.toMatchObject({ code: 'STORAGE_IO' });
    expect(await readFile(resume, 'utf8')).toBe(before);
    expect(m.torrent.pieceCount).toBeGreaterThan(2);
    await store.close();
  });

  it('verifyPieces reports claimed pieces that are missing or corrupt', async () => {
    const { m, store } = await setup([0, 1, 2]);
    const fh = await open(path.join(tmp.dir, 'R', 'a.bin'), 'r+');
    await fh.write(new Uint8Array([1, 2, 3]), 0, 3, 300);
    await fh.close();
    expect(await verifyPieces(store, hasher, m.torrent, [0, 1, 2, 12])).toEqual([1, 12]);
    await store.close();
  });
});
