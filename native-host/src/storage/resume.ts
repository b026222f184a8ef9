// Fast-resume data: which pieces were verified and fsynced, plus each file's size and mtime, so a
// restart skips re-hashing (RELIABILITY S60, S61, S67).
//
// Format (JSON, one object): { v: 1, infoHash: hex, pieceCount, bitfield: base64,
// files: [{ size, mtimeMs } | null], savedAt }. JSON rather than bencode because it is read back
// only by us and is easy to inspect when a user reports a bug.
//
// Trust rules: the data is accepted only if every field agrees with the torrent and every file's
// current size and mtime equal the recorded ones (a file touched since the save may hold anything,
// S64); otherwise the caller gets a reason and does a full check. Even then a few claimed pieces
// are spot-checked by the caller with verifyPieces() (S61: a power cut can lose data the resume
// file claims).
//
// Writes go to a temp file, fsync, rename over the old file, fsync the directory: a crash at any
// point leaves either the old or the new file, never a 0-byte one (S60, S62, qBittorrent#13000).

import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Bitfield } from '../core/bitfield.ts';
import { isMagnetarError } from '../core/errors.ts';
import { bytesEqual, fromHex } from '../core/hex.ts';
import { pieceHash, pieceSize, type ValidatedTorrent } from '../metainfo/types.ts';
import type { FileStat, FileStore } from './file-store.ts';
import { errnoOf, mapFsError } from './fs-errors.ts';
import type { Hasher } from './hasher.ts';

const VERSION = 1;

export type ResumeRejection =
  | 'missing'
  | 'unreadable'
  | 'too-large'
  | 'garbage'
  | 'version'
  | 'info-hash'
  | 'piece-count'
  | 'bitfield-length'
  | 'file-count'
  | 'file-changed'
  /** Pieces were recorded, and every file that held data then is gone now (moved, deleted, unmounted). */
  | 'files-missing';

export type ResumeResult =
  | { readonly bitfield: Bitfield }
  | { readonly rejected: ResumeRejection; readonly detail?: string };

interface ResumeFile {
  v: number;
  infoHash: string;
  pieceCount: number;
  bitfield: string;
  files: ({ size: number; mtimeMs: number } | null)[];
  savedAt: number;
}

/** Largest resume file we would write for this torrent, with slack; anything bigger is refused unread. */
function maxResumeBytes(t: ValidatedTorrent): number {
  return 4096 + Math.ceil(t.pieceCount / 8) * 2 + t.files.length * 64;
}

export function encodeResume(
  t: ValidatedTorrent,
  have: Bitfield,
  files: readonly (FileStat | null)[],
): string {
  const body: ResumeFile = {
    v: VERSION,
    infoHash: t.infoHashHex,
    pieceCount: t.pieceCount,
    bitfield: Buffer.from(have.bytes).toString('base64'),
    files: files.map((f) => (f ? { size: f.size, mtimeMs: f.mtimeMs } : null)),
    savedAt: Date.now(),
  };
  return JSON.stringify(body);
}

function isStatLike(x: unknown): x is { size: number; mtimeMs: number } | null {
  if (x === null) return true;
  if (typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return typeof o['size'] === 'number' && typeof o['mtimeMs'] === 'number';
}

/** Parses and checks resume text against the torrent and the files' current stats. */
export function decodeResume(
  t: ValidatedTorrent,
  text: string,
  current: readonly (FileStat | null)[],
): ResumeResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { rejected: 'garbage', detail: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { rejected: 'garbage' };
  const o = raw as Record<string, unknown>;
  if (o['v'] !== VERSION) return { rejected: 'version', detail: String(o['v']) };
  if (typeof o['infoHash'] !== 'string' || !/^[0-9a-f]{40}$/.test(o['infoHash']))
    return { rejected: 'garbage' };
  if (!bytesEqual(fromHex(o['infoHash']), t.infoHash))
    return { rejected: 'info-hash', detail: o['infoHash'] };
  if (o['pieceCount'] !== t.pieceCount) return { rejected: 'piece-count', detail: String(o['pieceCount']) };
  if (typeof o['bitfield'] !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(o['bitfield'])) {
    return { rejected: 'garbage', detail: 'bitfield' };
  }
  const bits = new Uint8Array(Buffer.from(o['bitfield'], 'base64'));
  if (!Bitfield.isValidWire(t.pieceCount, bits))
    return { rejected: 'bitfield-length', detail: `${bits.length}` };
  const files = o['files'];
  if (!Array.isArray(files) || !files.every(isStatLike)) return { rejected: 'garbage', detail: 'files' };
  if (files.length !== t.files.length || current.length !== t.files.length) return { rejected: 'file-count' };
  const claimed = new Bitfield(t.pieceCount, bits).count;
  const hadData = files.some((f, i) => f !== null && f.size > 0 && t.files[i]!.length > 0);
  const allGone = files.every((f, i) => f === null || f.size === 0 || current[i] === null);
  // RELIABILITY S69: data we had is gone as a whole; that is an error to show, not 0% to re-fetch.
  if (claimed > 0 && hadData && allGone) return { rejected: 'files-missing' };
  for (let i = 0; i < files.length; i++) {
    const was = files[i] as { size: number; mtimeMs: number } | null;
    const now = current[i] ?? null;
    if (was === null && now === null) continue;
    if (was === null || now === null || was.size !== now.size || was.mtimeMs !== now.mtimeMs) {
      return { rejected: 'file-changed', detail: `file ${i}` };
    }
  }
  return { bitfield: new Bitfield(t.pieceCount, bits) };
}

/** Reads `file` and checks it; any failure is a rejection with a reason, never a throw. */
export async function loadResume(
  file: string,
  t: ValidatedTorrent,
  current: readonly (FileStat | null)[],
): Promise<ResumeResult> {
  let text: string;
  try {
    const fh = await open(file, 'r');
    try {
      const { size } = await fh.stat();
      if (size > maxResumeBytes(t)) return { rejected: 'too-large', detail: `${size} bytes` };
      text = await fh.readFile({ encoding: 'utf8' });
    } finally {
      await fh.close();
    }
  } catch (e) {
    return errnoOf(e) === 'ENOENT' ? { rejected: 'missing' } : { rejected: 'unreadable', detail: errnoOf(e) };
  }
  return decodeResume(t, text, current);
}

/** Writes resume data atomically: temp + fsync + rename + fsync(dir). The old file survives failures. */
export async function saveResumeFile(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw mapFsError(e, 'write', file);
  }
  // The rename is durable only once the directory entry is; some platforms cannot fsync a
  // directory (Windows: EPERM/EISDIR), where the rename is already as durable as it gets.
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch (e) {
    const errno = errnoOf(e);
    if (errno !== 'EISDIR' && errno !== 'EPERM' && errno !== 'EINVAL') throw mapFsError(e, 'fsync', dir);
  }
}

/**
 * Re-hashes `indices` from disk, a few at a time (memory ≈ 4 pieces); returns those that do not
 * match, in ascending order (missing or short data counts as bad).
 */
export async function verifyPieces(
  store: FileStore,
  hasher: Hasher,
  t: ValidatedTorrent,
  indices: readonly number[],
): Promise<number[]> {
  const bad: number[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < indices.length) {
      const i = indices[next++]!;
      let ok = false;
      try {
        const data = await store.read(i, 0, pieceSize(t, i));
        ok = bytesEqual(await hasher.hash(data, { transfer: true }), pieceHash(t, i));
      } catch (e) {
        if (!isMagnetarError(e, 'STORAGE_MISSING')) throw e;
      }
      if (!ok) bad.push(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, indices.length) }, lane));
  return bad.sort((a, b) => a - b);
}
