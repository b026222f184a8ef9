// Builders for hand-made torrents: each bad-torrent case is a small change to a valid one.
import { type Encodable, encode } from '../../../native-host/src/bencode/index.ts';

export type Dict = { [key: string]: Encodable | undefined };

export const PIECE = 16384;

/** `count` fake piece hashes (hash i is 20 bytes of value i). */
export function fakePieces(count: number): Uint8Array {
  const b = new Uint8Array(count * 20);
  for (let i = 0; i < count; i++) b.fill(i & 0xff, i * 20, i * 20 + 20);
  return b;
}

export function singleInfo(over: Dict = {}): Dict {
  return { name: 'file.bin', 'piece length': PIECE, length: 40000, pieces: fakePieces(3), ...over };
}

export function multiInfo(files: { length: number; path: string[]; attr?: string }[], over: Dict = {}): Dict {
  const total = files.reduce((s, f) => s + f.length, 0);
  return {
    name: 'folder',
    'piece length': PIECE,
    files: files.map((f) => ({ length: f.length, path: f.path, attr: f.attr })),
    pieces: 'pieces' in over ? undefined : fakePieces(Math.ceil(total / PIECE)),
    ...over,
  };
}

export function torrent(info: Encodable | undefined, root: Dict = {}): Uint8Array {
  return encode({ announce: 'http://tracker.example/announce', info, ...root });
}
