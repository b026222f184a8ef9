// .torrent bytes → ValidatedTorrent (BEP 3 metainfo files). The info-hash is SHA-1 over the raw
// bytes of the `info` value exactly as they appear in the file, never over a re-encoding: unsorted
// v1 info dicts exist in the wild (Transmission `unordered-info-dict.torrent`), and re-encoding one
// would give a hash no peer knows (WebTorrent's mistake, RELIABILITY B8).

import { type BDict, decode, isDict } from '../bencode/index.ts';
import { toHex } from '../core/hex.ts';
import { MAX_METADATA_BYTES, MAX_METADATA_TOKENS, MAX_TORRENT_FILE_BYTES } from '../core/limits.ts';
import { sha1 } from '../core/sha1.ts';
import { parseAnnounce, parseUrlList } from './announce.ts';
import { fail, looseInt, looseText } from './fields.ts';
import { parseInfoDict } from './parse-info.ts';
import type { ValidatedTorrent } from './types.ts';

const D = 0x64; // 'd'

/**
 * Parses a .torrent file. Throws MagnetarError: TORRENT_TOO_LARGE (over MAX_TORRENT_FILE_BYTES,
 * before any parsing), TORRENT_NOT_A_TORRENT, a BENCODE_* code for malformed bencode, or a
 * specific TORRENT_* code for a bad field.
 */
export function parseTorrent(bytes: Uint8Array): ValidatedTorrent {
  if (bytes.length > MAX_TORRENT_FILE_BYTES) {
    fail(
      'TORRENT_TOO_LARGE',
      `a .torrent of ${bytes.length} bytes is over the ${MAX_TORRENT_FILE_BYTES} limit`,
      {
        size: bytes.length,
      },
    );
  }
  // Cheap checks first: an empty file or an HTML error page is "not a torrent", not a syntax error.
  if (bytes.length === 0) fail('TORRENT_NOT_A_TORRENT', 'the file is empty');
  if (bytes[0] !== D) fail('TORRENT_NOT_A_TORRENT', 'the file does not start with a bencoded dictionary');

  // Trailing bytes are tolerated as libtorrent does (it parses the first value only, B9).
  const { value, end } = decode(bytes, { allowTrailing: true });
  const warnings: string[] = [];
  if (end < bytes.length) warnings.push(`${bytes.length - end} bytes after the torrent were ignored`);
  if (!isDict(value)) fail('TORRENT_NOT_A_TORRENT', 'the root is not a dictionary');

  const info = value.get('info');
  const span = value.spans.get('info');
  if (!isDict(info) || !span) fail('TORRENT_NOT_A_TORRENT', '"info" is missing or not a dictionary');
  const infoBytes = bytes.slice(span[0], span[1]);
  return build(infoBytes, info, value, warnings);
}

export interface InfoExtras {
  /** Tracker tiers from the magnet link. */
  readonly announce?: readonly (readonly string[])[];
}

/**
 * Parses an info dict received from peers (BEP 9 ut_metadata) after its SHA-1 was checked against
 * the info-hash. The same checks as a .torrent apply (B50), with the lower metadata token cap.
 */
export function parseInfoBytes(infoBytes: Uint8Array, extras: InfoExtras = {}): ValidatedTorrent {
  if (infoBytes.length > MAX_METADATA_BYTES) {
    fail(
      'TORRENT_TOO_LARGE',
      `metadata of ${infoBytes.length} bytes is over the ${MAX_METADATA_BYTES} limit`,
    );
  }
  if (infoBytes.length === 0 || infoBytes[0] !== D)
    fail('TORRENT_NOT_A_TORRENT', 'metadata is not a dictionary');
  const { value } = decode(infoBytes, { maxTokens: MAX_METADATA_TOKENS });
  if (!isDict(value)) fail('TORRENT_NOT_A_TORRENT', 'metadata is not a dictionary');
  const t = build(infoBytes.slice(), value, undefined, []);
  return extras.announce ? { ...t, announce: extras.announce.map((tier) => [...tier]) } : t;
}

function build(
  infoBytes: Uint8Array,
  info: BDict,
  root: BDict | undefined,
  warnings: string[],
): ValidatedTorrent {
  const infoHash = sha1(infoBytes);
  const infoHashHex = toHex(infoHash);
  const fields = parseInfoDict(info, infoHashHex);
  const comment = root && looseText(root, 'comment');
  const createdBy = root && looseText(root, 'created by');
  const creationDate = root && looseInt(root, 'creation date');
  return {
    infoHash,
    infoHashHex,
    name: fields.name,
    pieceLength: fields.pieceLength,
    pieceCount: fields.pieceCount,
    lastPieceLength: fields.lastPieceLength,
    totalLength: fields.totalLength,
    pieceHashes: fields.pieceHashes,
    files: fields.files,
    multiFile: fields.multiFile,
    announce: root ? parseAnnounce(root) : [],
    private: fields.private,
    ...(comment !== undefined && { comment }),
    ...(createdBy !== undefined && { createdBy }),
    ...(creationDate !== undefined && { creationDate }),
    urlList: root ? parseUrlList(root) : [],
    infoBytes,
    warnings: [...warnings, ...fields.warnings],
  };
}
