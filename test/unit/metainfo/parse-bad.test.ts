// RELIABILITY B10–B17: a table of bad torrents, each with the exact error code it must produce.
import { describe, expect, test } from 'vitest';
import type { ErrorCode } from '../../../native-host/src/core/errors.ts';
import { MAX_PIECES, MAX_TORRENT_FILE_BYTES } from '../../../native-host/src/core/limits.ts';
import { parseInfoBytes, parseTorrent } from '../../../native-host/src/metainfo/index.ts';
import { ascii, expectCode } from '../bencode/helpers.ts';
import { type Dict, fakePieces, multiInfo, PIECE, singleInfo, torrent } from './build.ts';

const deepPath = Array.from({ length: 101 }, (_, i) => `d${i}`);

const cases: [string, Uint8Array, ErrorCode][] = [
  // B10 not a torrent
  ['empty file', new Uint8Array(0), 'TORRENT_NOT_A_TORRENT'],
  ['root is an integer', ascii('i42e'), 'TORRENT_NOT_A_TORRENT'],
  ['root is a list', ascii('le'), 'TORRENT_NOT_A_TORRENT'],
  ['HTML page', ascii('<html><body>404</body></html>'), 'TORRENT_NOT_A_TORRENT'],
  ['info missing', ascii('d8:announce3:urle'), 'TORRENT_NOT_A_TORRENT'],
  ['info is a string', torrent('hello'), 'TORRENT_NOT_A_TORRENT'],
  ['info is a list', torrent([]), 'TORRENT_NOT_A_TORRENT'],
  ['info is an integer', torrent(7), 'TORRENT_NOT_A_TORRENT'],
  ['truncated root', ascii('d4:infod4:name1:a'), 'BENCODE_TRUNCATED'],
  ['duplicate key in info', ascii('d4:infod4:name1:a4:name1:bee'), 'BENCODE_DUPLICATE_KEY'],
  ['deep nesting inside info', ascii(`d4:infod1:x${'l'.repeat(300)}`), 'BENCODE_DEPTH'],
  ['negative string length', ascii('d4:infod-3:fooi1eee'), 'BENCODE_SYNTAX'],
  // B11 piece length
  ['piece length 0', torrent(singleInfo({ 'piece length': 0 })), 'TORRENT_PIECE_LENGTH'],
  ['piece length negative', torrent(singleInfo({ 'piece length': -16384 })), 'TORRENT_PIECE_LENGTH'],
  ['piece length missing', torrent(singleInfo({ 'piece length': undefined })), 'TORRENT_PIECE_LENGTH'],
  ['piece length a string', torrent(singleInfo({ 'piece length': '16384' })), 'TORRENT_PIECE_LENGTH'],
  ['piece length a list', torrent(singleInfo({ 'piece length': [16384] })), 'TORRENT_PIECE_LENGTH'],
  [
    'piece length over 512 MiB',
    torrent(singleInfo({ 'piece length': 512 * 1024 * 1024 + 1 })),
    'TORRENT_PIECE_LENGTH',
  ],
  ['piece length int64 max', torrent(singleInfo({ 'piece length': 2n ** 63n - 1n })), 'TORRENT_PIECE_LENGTH'],
  // B12 pieces
  ['pieces missing', torrent(singleInfo({ pieces: undefined })), 'TORRENT_PIECES'],
  ['pieces an integer', torrent(singleInfo({ pieces: 3 })), 'TORRENT_PIECES'],
  ['pieces 119 bytes', torrent(singleInfo({ pieces: new Uint8Array(119) })), 'TORRENT_PIECES'],
  ['pieces empty', torrent(singleInfo({ pieces: new Uint8Array(0) })), 'TORRENT_PIECES'],
  ['too few pieces', torrent(singleInfo({ pieces: fakePieces(2) })), 'TORRENT_PIECES'],
  ['too many pieces', torrent(singleInfo({ pieces: fakePieces(4) })), 'TORRENT_PIECES'],
  [
    'more than MAX_PIECES pieces',
    torrent(singleInfo({ 'piece length': 1, length: MAX_PIECES + 1, pieces: fakePieces(1) })),
    'TORRENT_PIECES',
  ],
  // B13 file lengths and files
  ['length negative', torrent(singleInfo({ length: -1 })), 'TORRENT_FILE_LENGTH'],
  ['length a string', torrent(singleInfo({ length: '40000' })), 'TORRENT_FILE_LENGTH'],
  ['length 2^48', torrent(singleInfo({ length: 2 ** 48 })), 'TORRENT_FILE_LENGTH'],
  ['length 2^60 (bigint)', torrent(singleInfo({ length: 2n ** 60n })), 'TORRENT_FILE_LENGTH'],
  [
    'file length missing',
    torrent(multiInfo([{ length: 1, path: ['a'] }], { files: [{ path: ['a'] }] })),
    'TORRENT_FILE_LENGTH',
  ],
  [
    'file length negative',
    torrent(multiInfo([{ length: -5, path: ['a'] }], { pieces: fakePieces(1) })),
    'TORRENT_FILE_LENGTH',
  ],
  [
    'total over 2^53',
    torrent(
      multiInfo(
        Array.from({ length: 33 }, (_, i) => ({ length: 2 ** 48 - 1, path: [`f${i}`] })),
        { 'piece length': 512 * 1024 * 1024, pieces: fakePieces(1) },
      ),
    ),
    'TORRENT_FILE_LENGTH',
  ],
  ['neither files nor length', torrent(singleInfo({ length: undefined })), 'TORRENT_NO_FILES'],
  ['files empty', torrent(multiInfo([], { pieces: fakePieces(1) })), 'TORRENT_NO_FILES'],
  [
    'only zero-length files',
    torrent(multiInfo([{ length: 0, path: ['a'] }], { pieces: new Uint8Array(0) })),
    'TORRENT_NO_FILES',
  ],
  ['files not a list', torrent(multiInfo([], { files: 'abc' })), 'TORRENT_INVALID'],
  ['file entry not a dict', torrent(multiInfo([], { files: [5], pieces: fakePieces(1) })), 'TORRENT_INVALID'],
  // B15 structural path errors (hostile names are sanitized, see sanitize-path.test.ts)
  ['path missing', torrent(multiInfo([], { files: [{ length: 5 }], pieces: fakePieces(1) })), 'TORRENT_PATH'],
  [
    'path a string',
    torrent(multiInfo([], { files: [{ length: 5, path: 'a/b' }], pieces: fakePieces(1) })),
    'TORRENT_PATH',
  ],
  [
    'path component an integer',
    torrent(multiInfo([], { files: [{ length: 5, path: ['a', 3] }], pieces: fakePieces(1) })),
    'TORRENT_PATH',
  ],
  // B17 depth
  ['path deeper than 100', torrent(multiInfo([{ length: 5, path: deepPath }])), 'TORRENT_TOO_DEEP'],
];

describe('bad torrents (B10–B17)', () => {
  test.each(cases)('%s', (_name, bytes, code) => {
    expectCode(() => parseTorrent(bytes), code);
  });

  test('B14 a .torrent over 10 MB is refused before parsing', () => {
    // Valid-looking start, garbage after: only the size may decide.
    const big = new Uint8Array(MAX_TORRENT_FILE_BYTES + 1).fill(0x65);
    big[0] = 0x64;
    expectCode(() => parseTorrent(big), 'TORRENT_TOO_LARGE');
  });

  test('a torrent exactly at the limit is parsed (trailing padding warned)', () => {
    const t = torrent(singleInfo());
    const buf = new Uint8Array(MAX_TORRENT_FILE_BYTES);
    buf.set(t);
    const parsed = parseTorrent(buf);
    expect(parsed.warnings.some((w) => w.includes('after the torrent'))).toBe(true);
  });

  test('metadata from peers goes through the same checks (B50)', () => {
    const info: Dict = singleInfo({ 'piece length': 0 });
    const bytes = torrent(info);
    // Cut the info dict out of the torrent: it is the value after "4:info".
    const start = latin1String(bytes).indexOf('4:infod') + 6;
    expectCode(() => parseInfoBytes(bytes.subarray(start, bytes.length - 1)), 'TORRENT_PIECE_LENGTH');
    expectCode(() => parseInfoBytes(ascii('le')), 'TORRENT_NOT_A_TORRENT');
    expectCode(() => parseInfoBytes(ascii('d1:ai1eeX')), 'BENCODE_TRAILING');
  });

  test('piece length exactly 512 MiB is allowed', () => {
    const t = parseTorrent(torrent(singleInfo({ 'piece length': 512 * 1024 * 1024, pieces: fakePieces(1) })));
    expect(t.pieceCount).toBe(1);
  });

  test('a non-power-of-two v1 piece length is allowed (BEP 3 does not require it)', () => {
    const t = parseTorrent(torrent(singleInfo({ 'piece length': 20000, pieces: fakePieces(2) })));
    expect(t.lastPieceLength).toBe(20000);
    expect(PIECE).toBe(16384);
  });
});

function latin1String(b: Uint8Array): string {
  return String.fromCharCode(...b);
}
