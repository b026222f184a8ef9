// Builds a .torrent (BEP 3; BEP 12 tiers, BEP 27 private, BEP 19 url-list) from files read through
// a callback, so it stays pure: create-from-disk.ts supplies node:fs reads and a node:crypto hasher.
// Pieces span file boundaries (BEP 3: the files are concatenated in list order), and data is
// streamed through an incremental hasher, so memory is one read chunk whatever the piece length.
// The info dict matches mktorrent's byte for byte for the same files and piece length: keys
// `files`/`length`, `name`, `piece length`, `pieces`, and `private` only when set.

import { type Encodable, encode } from '../bencode/index.ts';
import { MagnetarError } from '../core/errors.ts';
import { MAX_PIECES } from '../core/limits.ts';
import { Sha1 } from '../core/sha1.ts';
import { parseTorrent } from './parse.ts';
import type { ValidatedTorrent } from './types.ts';

export interface CreateFile {
  /** Path inside the torrent's folder; an empty path (and only one file) makes a single-file torrent. */
  readonly path: readonly string[];
  readonly length: number;
  /** Returns exactly `length` bytes at `offset` of this file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface Hasher {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

export interface CreateOptions {
  readonly name: string;
  readonly files: readonly CreateFile[];
  /** Bytes per piece; a power of two from autoPieceLength() when omitted. */
  readonly pieceLength?: number;
  /** BEP 12 tiers; the first URL also goes in `announce`. */
  readonly announce?: readonly (readonly string[])[];
  readonly comment?: string;
  readonly createdBy?: string;
  /** Seconds since the epoch; omitted when not given (reproducible output). */
  readonly creationDate?: number;
  readonly private?: boolean;
  readonly urlList?: readonly string[];
  /** SHA-1 factory; the pure-JS one by default, node:crypto from create-from-disk. */
  readonly hasher?: () => Hasher;
  /** Largest single read; bounds memory. */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
  /** Called after each read with bytes hashed so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CreatedTorrent {
  /** The whole .torrent file. */
  readonly bytes: Uint8Array;
  /** The same bytes parsed back: proof the output passes our own checks. */
  readonly torrent: ValidatedTorrent;
}

const MIN_AUTO_PIECE = 16 * 1024;
const MAX_AUTO_PIECE = 16 * 1024 * 1024;
/** Pieces aimed at by autoPieceLength: few enough for a small .torrent, enough for a useful swarm. */
const TARGET_PIECES = 1500;
const DEFAULT_CHUNK = 1024 * 1024;

/**
 * The smallest power of two from 16 KiB to 16 MiB that keeps the piece count near or under 1500, in
 * the spirit of libtorrent's create_torrent and qBittorrent's "auto" setting.
 */
export function autoPieceLength(totalLength: number): number {
  let p = MIN_AUTO_PIECE;
  while (p < MAX_AUTO_PIECE && Math.ceil(totalLength / p) > TARGET_PIECES) p *= 2;
  return p;
}

/** Hashes `files` as one concatenated stream cut into `pieceLength` pieces. */
export async function hashPieces(
  files: readonly CreateFile[],
  pieceLength: number,
  opts: Pick<CreateOptions, 'hasher' | 'chunkSize' | 'signal' | 'onProgress'> = {},
): Promise<Uint8Array> {
  const newHasher = opts.hasher ?? (() => new Sha1());
  const chunk = Math.max(1, Math.min(opts.chunkSize ?? DEFAULT_CHUNK, pieceLength));
  const total = files.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(Math.ceil(total / pieceLength) * 20);
  let pieces = 0;
  let hasher = newHasher();
  let inPiece = 0;
  let done = 0;
  for (const file of files) {
    for (let offset = 0; offset < file.length; ) {
      opts.signal?.throwIfAborted();
      // Never read across a piece boundary, so each read feeds exactly one hasher.
      const want = Math.min(chunk, file.length - offset, pieceLength - inPiece);
      const data = await file.read(offset, want);
      if (data.length !== want) {
        throw new MagnetarError('STORAGE_IO', `short read in ${file.path.join('/')} at ${offset}`, {
          path: file.path.join('/'),
          offset,
        });
      }
      hasher.update(data);
      offset += want;
      inPiece += want;
      done += want;
      if (inPiece === pieceLength) {
        out.set(hasher.digest(), pieces++ * 20);
        hasher = newHasher();
        inPiece = 0;
      }
      opts.onProgress?.(done, total);
    }
  }
  if (inPiece > 0) out.set(hasher.digest(), pieces++ * 20);
  return out;
}

/** Builds the torrent. Throws MagnetarError (TORRENT_* for bad options, STORAGE_IO on short reads). */
export async function createTorrent(opts: CreateOptions): Promise<CreatedTorrent> {
  const files = opts.files;
  if (files.length === 0) throw new MagnetarError('TORRENT_NO_FILES', 'nothing to put in the torrent');
  const single = files.length === 1 && files[0]!.path.length === 0;
  if (!single && files.some((f) => f.path.length === 0)) {
    throw new MagnetarError('TORRENT_PATH', 'an empty path is only allowed for a single-file torrent');
  }
  for (const f of files) {
    if (!Number.isSafeInteger(f.length) || f.length < 0) {
      throw new MagnetarError('TORRENT_FILE_LENGTH', `bad length ${f.length} for ${f.path.join('/')}`);
    }
  }
  const total = files.reduce((s, f) => s + f.length, 0);
  const pieceLength = opts.pieceLength ?? autoPieceLength(total);
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) {
    throw new MagnetarError('TORRENT_PIECE_LENGTH', `bad piece length ${pieceLength}`);
  }
  if (Math.ceil(total / pieceLength) > MAX_PIECES) {
    throw new MagnetarError(
      'TORRENT_PIECES',
      `piece length ${pieceLength} gives more than ${MAX_PIECES} pieces`,
    );
  }

  const pieces = await hashPieces(files, pieceLength, opts);
  // Keys are sorted by the encoder (BEP 3); undefined entries are left out.
  const info: Record<string, Encodable | undefined> = {
    files: single ? undefined : files.map((f) => ({ length: f.length, path: [...f.path] })),
    length: single ? files[0]!.length : undefined,
    name: opts.name,
    'piece length': pieceLength,
    pieces,
    // BEP 27: written only when set, as mktorrent does, so public torrents hash the same.
    private: opts.private ? 1 : undefined,
  };

  const tiers = (opts.announce ?? []).filter((t) => t.length > 0);
  const root = {
    announce: tiers[0]?.[0],
    'announce-list': tiers.length > 1 || (tiers[0]?.length ?? 0) > 1 ? tiers.map((t) => [...t]) : undefined,
    comment: opts.comment,
    'created by': opts.createdBy,
    'creation date': opts.creationDate,
    info,
    'url-list': opts.urlList && opts.urlList.length > 0 ? [...opts.urlList] : undefined,
  };
  const bytes = encode(root);
  return { bytes, torrent: parseTorrent(bytes) };
}
