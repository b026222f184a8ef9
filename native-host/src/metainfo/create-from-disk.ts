// `magnetar create`: a .torrent from a file or a folder on disk. The only metainfo file that touches
// node: modules. A file gives a single-file torrent; a folder gives a multi-file torrent of every
// regular file under it, sorted by their '/'-joined relative paths compared byte-wise (mktorrent's
// order, so both tools give the same info-hash for the same folder and piece length). Symlinks
// are skipped rather than followed: following one could publish a file outside the folder.

import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, lstat, open, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MagnetarError } from '../core/errors.ts';
import { MAX_FILES, MAX_PATH_DEPTH } from '../core/limits.ts';
import { type CreatedTorrent, type CreateFile, type CreateOptions, createTorrent } from './create.ts';

export type CreateFromDiskOptions = Omit<CreateOptions, 'files' | 'name' | 'hasher'> & {
  /** Defaults to the target's base name. */
  readonly name?: string;
};

interface Found {
  readonly rel: string[];
  readonly abs: string;
  readonly length: number;
}

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

async function walk(root: string): Promise<Found[]> {
  const out: Found[] = [];
  const visit = async (dir: string, rel: string[]): Promise<void> => {
    if (rel.length >= MAX_PATH_DEPTH) {
      throw new MagnetarError('TORRENT_TOO_DEEP', `folder deeper than ${MAX_PATH_DEPTH}: ${dir}`);
    }
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new MagnetarError('STORAGE_IO', `cannot list ${dir}`, { path: dir }, { cause: e });
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      // Dirent types come from lstat semantics: a symlink is reported as a symlink, never followed.
      if (e.isDirectory()) await visit(abs, [...rel, e.name]);
      else if (e.isFile()) {
        if (out.length >= MAX_FILES)
          throw new MagnetarError('TORRENT_INVALID', `more than ${MAX_FILES} files`);
        out.push({ rel: [...rel, e.name], abs, length: (await lstat(abs)).size });
      }
    }
  };
  await visit(root, []);
  const keyed = out.map((f) => ({ f, key: utf8.encode(f.rel.join('/')) }));
  keyed.sort((a, b) => compareBytes(a.key, b.key));
  return keyed.map((k) => k.f);
}

/**
 * Reads go file by file in order, so one open handle at a time is enough; it is closed when the
 * next file is read and at the end.
 */
class SequentialReader {
  private path: string | undefined;
  private handle: FileHandle | undefined;

  readerFor(abs: string): CreateFile['read'] {
    return async (offset, length) => {
      const fh = await this.open(abs);
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    };
  }

  async close(): Promise<void> {
    const fh = this.handle;
    this.handle = undefined;
    this.path = undefined;
    await fh?.close();
  }

  private async open(abs: string): Promise<FileHandle> {
    if (this.handle && this.path === abs) return this.handle;
    await this.close();
    try {
      this.handle = await open(abs, 'r');
    } catch (e) {
      throw new MagnetarError('STORAGE_IO', `cannot open ${abs}`, { path: abs }, { cause: e });
    }
    this.path = abs;
    return this.handle;
  }
}

/** Creates a torrent of `target` (a file or a folder). Throws MagnetarError. */
export async function createTorrentFromPath(
  target: string,
  opts: CreateFromDiskOptions = {},
): Promise<CreatedTorrent> {
  const abs = resolve(target);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(abs);
  } catch (e) {
    throw new MagnetarError('NOT_FOUND', `cannot read ${target}`, { path: target }, { cause: e });
  }
  const name = opts.name ?? basename(abs);
  const io = new SequentialReader();
  let files: CreateFile[];
  if (st.isFile()) {
    files = [{ path: [], length: st.size, read: io.readerFor(abs) }];
  } else if (st.isDirectory()) {
    const found = await walk(abs);
    if (found.length === 0) throw new MagnetarError('TORRENT_NO_FILES', `no files under ${target}`);
    files = found.map((f) => ({ path: f.rel, length: f.length, read: io.readerFor(f.abs) }));
  } else {
    throw new MagnetarError('NOT_SUPPORTED', `${target} is neither a file nor a folder`);
  }
  try {
    return await createTorrent({ ...opts, name, files, hasher: () => createHash('sha1') });
  } finally {
    await io.close();
  }
}
