// The `info` dictionary (BEP 3 "Info dictionary", BEP 47 pad files, BEP 27 private flag). Every
// check here stands between a stranger's bytes and code that divides by the piece length, sizes
// arrays by the piece count and writes files under the save folder (RELIABILITY B11–B20).

import type { BDict, BValue } from '../bencode/index.ts';
import { isBytes, isList } from '../bencode/index.ts';
import {
  MAX_FILE_LENGTH,
  MAX_FILES,
  MAX_PIECE_LENGTH,
  MAX_PIECES,
  MAX_TOTAL_LENGTH,
} from '../core/limits.ts';
import { dedupePaths } from './dedupe-paths.ts';
import { asDict, asList, fail, optTextPreferUtf8, reqCount, text } from './fields.ts';
import { sanitizeName, sanitizePath } from './sanitize-path.ts';
import type { TorrentFile, ValidatedTorrent } from './types.ts';

/** The fields of a ValidatedTorrent that come from the info dictionary. */
export type InfoFields = Pick<
  ValidatedTorrent,
  | 'name'
  | 'pieceLength'
  | 'pieceCount'
  | 'lastPieceLength'
  | 'totalLength'
  | 'pieceHashes'
  | 'files'
  | 'multiFile'
  | 'private'
  | 'warnings'
>;

interface RawFile {
  path: string[];
  length: number;
  pad: boolean;
}

/** Parses and checks an info dict. `infoHashHex` names the torrent when its own name is unusable. */
export function parseInfoDict(info: BDict, infoHashHex: string): InfoFields {
  const warnings: string[] = [];

  // BEP 3: "piece length" is the number of bytes in each piece. Zero crashed aria2 (SIGFPE, B11).
  const pieceLength = reqCount(
    info,
    'piece length',
    MAX_PIECE_LENGTH,
    'TORRENT_PIECE_LENGTH',
    'piece length',
  );
  if (pieceLength === 0) fail('TORRENT_PIECE_LENGTH', 'piece length is 0');

  const pieces = info.get('pieces');
  if (pieces === undefined) fail('TORRENT_PIECES', '"pieces" is missing');
  if (!isBytes(pieces)) fail('TORRENT_PIECES', '"pieces" is not a byte string');
  if (pieces.length % 20 !== 0) {
    fail('TORRENT_PIECES', `"pieces" is ${pieces.length} bytes, not a multiple of 20`, {
      length: pieces.length,
    });
  }

  const rawName = optTextPreferUtf8(info, 'name', 'TORRENT_INVALID');
  if (rawName === undefined) warnings.push('the torrent has no name; using its info-hash');
  const name = sanitizeName(rawName ?? '', infoHashHex);
  if (rawName !== undefined && name !== rawName) warnings.push(`name "${rawName}" changed to "${name}"`);

  const multiFile = info.has('files');
  const raw = multiFile ? readFileList(info.get('files')) : [readSingleFile(info, name)];
  if (multiFile && info.has('length')) warnings.push('both "files" and "length" are present; using "files"');

  let total = 0;
  for (const f of raw) {
    total += f.length;
    // Each length is ≤ 2^48, so the sum is exact well past MAX_TOTAL_LENGTH (2^53 − 1).
    if (total > MAX_TOTAL_LENGTH) fail('TORRENT_FILE_LENGTH', 'total length is over 2^53 - 1');
  }
  if (total === 0) fail('TORRENT_NO_FILES', 'the torrent has no data (total length 0)');

  const pieceCount = Math.ceil(total / pieceLength);
  if (pieceCount > MAX_PIECES) {
    fail('TORRENT_PIECES', `${pieceCount} pieces is over the limit of ${MAX_PIECES}`, { pieceCount });
  }
  if (pieces.length !== pieceCount * 20) {
    fail('TORRENT_PIECES', `"pieces" holds ${pieces.length / 20} hashes but the size needs ${pieceCount}`, {
      have: pieces.length / 20,
      want: pieceCount,
    });
  }

  // Multi-file paths are deduplicated among themselves; a single file is alone in its folder.
  const { paths, renamed } = multiFile
    ? dedupePaths(
        raw.map((f) => f.path),
        raw.map((f) => f.pad),
      )
    : { paths: raw.map((f) => f.path), renamed: [] };
  for (const i of renamed)
    warnings.push(`file "${raw[i]!.path.join('/')}" renamed to "${paths[i]!.join('/')}"`);

  let offset = 0;
  const files: TorrentFile[] = raw.map((f, i) => {
    const file: TorrentFile = { path: paths[i]!, length: f.length, offset, pad: f.pad };
    offset += f.length;
    return file;
  });

  return {
    name,
    pieceLength,
    pieceCount,
    lastPieceLength: total - (pieceCount - 1) * pieceLength,
    totalLength: total,
    pieceHashes: pieces.slice(),
    files,
    multiFile,
    // BEP 27: private is set only by the integer 1.
    private: info.get('private') === 1,
    warnings,
  };
}

function readSingleFile(info: BDict, name: string): RawFile {
  if (!info.has('length')) fail('TORRENT_NO_FILES', 'the info dict has neither "files" nor "length"');
  const length = reqCount(info, 'length', MAX_FILE_LENGTH, 'TORRENT_FILE_LENGTH', 'file length');
  return { path: [name], length, pad: false };
}

function readFileList(v: BValue | undefined): RawFile[] {
  const list = asList(v);
  if (!list) fail('TORRENT_INVALID', '"files" is not a list');
  if (list.length === 0) fail('TORRENT_NO_FILES', '"files" is empty');
  if (list.length > MAX_FILES)
    fail('TORRENT_INVALID', `${list.length} files is over the limit of ${MAX_FILES}`);
  return list.map((item, index) => {
    const entry = asDict(item);
    if (!entry) fail('TORRENT_INVALID', `file ${index} is not a dictionary`, { index });
    const length = reqCount(
      entry,
      'length',
      MAX_FILE_LENGTH,
      'TORRENT_FILE_LENGTH',
      `length of file ${index}`,
    );
    // BEP 47: attr is a string of flags; 'p' marks a padding file that is never written.
    // A malformed attr is ignored: it only ever adds meaning to an otherwise valid file.
    const attr = entry.get('attr');
    const pad = isBytes(attr) && attr.includes(0x70);
    return { path: sanitizePath(readPath(entry, index)), length, pad };
  });
}

/** `path.utf-8` when it is a well-formed list of strings, else `path` (which must be one). */
function readPath(entry: BDict, index: number): string[] {
  const alt = entry.get('path.utf-8');
  if (isList(alt) && alt.length > 0 && alt.every(isBytes)) return alt.map(text);
  const p = entry.get('path');
  if (p === undefined) fail('TORRENT_PATH', `file ${index} has no path`, { index });
  if (!isList(p)) fail('TORRENT_PATH', `path of file ${index} is not a list`, { index });
  return p.map((c, k) => {
    if (!isBytes(c))
      fail('TORRENT_PATH', `component ${k} of file ${index}'s path is not a string`, { index });
    return text(c);
  });
}
