// createTorrent (pure) and createTorrentFromPath (disk), checked against node:crypto piece by piece
// and against mktorrent's info-hash for the same payload and piece length.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { concatBytes } from '../../../native-host/src/core/hex.ts';
import { createTorrentFromPath } from '../../../native-host/src/metainfo/create-from-disk.ts';
import {
  autoPieceLength,
  type CreateFile,
  createTorrent,
  parseTorrent,
  pieceHash,
} from '../../../native-host/src/metainfo/index.ts';
import { expectCodeAsync } from '../bencode/helpers.ts';

const MKTORRENT = '/usr/bin/mktorrent';

function payload(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function memFile(path: string[], data: Uint8Array): CreateFile {
  return { path, length: data.length, read: async (o, n) => data.slice(o, o + n) };
}

function expectPiecesMatch(pieces: Uint8Array, data: Uint8Array, pieceLength: number): void {
  const count = Math.ceil(data.length / pieceLength);
  expect(pieces.length).toBe(count * 20);
  for (let i = 0; i < count; i++) {
    const want = createHash('sha1')
      .update(data.subarray(i * pieceLength, (i + 1) * pieceLength))
      .digest();
    expect(Buffer.from(pieces.subarray(i * 20, i * 20 + 20)).equals(want)).toBe(true);
  }
}

describe('autoPieceLength', () => {
  test.each([
    [0, 16384],
    [1, 16384],
    [1500 * 16384, 16384],
    [1500 * 16384 + 1, 32768],
    [700 * 1024 * 1024, 512 * 1024],
    [4 * 1024 ** 3, 4 * 1024 * 1024],
    [100 * 1024 ** 3, 16 * 1024 * 1024],
  ])('%d bytes → %d', (total, want) => {
    expect(autoPieceLength(total)).toBe(want);
  });
});

describe('createTorrent (pure)', () => {
  test('pieces span file boundaries and match node:crypto', async () => {
    const parts = [payload(10000, 1), payload(0, 2), payload(30000, 3), payload(1, 4)];
    const { bytes, torrent } = await createTorrent({
      name: 'set',
      files: parts.map((d, i) => memFile(['dir', `f${i}`], d)),
      pieceLength: 16384,
      chunkSize: 3000,
      announce: [['http://t.example/a', 'udp://u.example:1'], ['http://v.example/b']],
      comment: 'c',
      createdBy: 'Magnetar test',
      creationDate: 1,
      urlList: ['http://seed.example/'],
    });
    expectPiecesMatch(torrent.pieceHashes, concatBytes(parts), 16384);
    expect(torrent.multiFile).toBe(true);
    expect(torrent.files.map((f) => f.path.join('/'))).toEqual(['dir/f0', 'dir/f1', 'dir/f2', 'dir/f3']);
    expect(torrent.announce).toEqual([['http://t.example/a', 'udp://u.example:1'], ['http://v.example/b']]);
    expect(torrent.comment).toBe('c');
    expect(torrent.urlList).toEqual(['http://seed.example/']);
    expect(parseTorrent(bytes).infoHashHex).toBe(torrent.infoHashHex);
  });

  test('empty path and one file → single-file torrent', async () => {
    const data = payload(50000, 9);
    const { torrent } = await createTorrent({ name: 'one.bin', files: [memFile([], data)], private: true });
    expect(torrent.multiFile).toBe(false);
    expect(torrent.pieceLength).toBe(16384);
    expect(torrent.files).toEqual([{ path: ['one.bin'], length: 50000, offset: 0, pad: false }]);
    expect(torrent.private).toBe(true);
    expectPiecesMatch(torrent.pieceHashes, data, 16384);
    expect(pieceHash(torrent, 3)).toHaveLength(20);
  });

  test.prop(
    [
      fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 4096 }),
      fc.nat(),
    ],
    { seed: 0xc4ea7e, numRuns: 60 },
  )(
    'any sizes, piece length and chunk size hash like the concatenation',
    async (sizes, pieceLength, seed) => {
      const lengths: number[] = sizes.every((s) => s === 0) ? [1, ...sizes] : sizes;
      const parts = lengths.map((s, i) => payload(s, seed + i));
      const { torrent } = await createTorrent({
        name: 'p',
        files: parts.map((d, i) => memFile([`f${i}`], d)),
        pieceLength,
        chunkSize: 1 + (seed % 5000),
      });
      expectPiecesMatch(torrent.pieceHashes, concatBytes(parts), pieceLength);
    },
  );

  test('a short read → STORAGE_IO', async () => {
    const liar: CreateFile = { path: ['x'], length: 100, read: async (_o, n) => new Uint8Array(n - 1) };
    await expectCodeAsync(createTorrent({ name: 'x', files: [liar] }), 'STORAGE_IO');
  });

  test('bad options have codes', async () => {
    await expectCodeAsync(createTorrent({ name: 'x', files: [] }), 'TORRENT_NO_FILES');
    const f = memFile([], payload(10, 1));
    await expectCodeAsync(
      createTorrent({ name: 'x', files: [f, memFile(['b'], payload(1, 1))] }),
      'TORRENT_PATH',
    );
    await expectCodeAsync(createTorrent({ name: 'x', files: [f], pieceLength: 0 }), 'TORRENT_PIECE_LENGTH');
    await expectCodeAsync(createTorrent({ name: 'x', files: [{ ...f, length: -1 }] }), 'TORRENT_FILE_LENGTH');
  });

  test('an aborted signal stops hashing', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      createTorrent({ name: 'x', files: [memFile([], payload(10, 1))], signal: ac.signal }),
    ).rejects.toThrow();
  });
});

describe('createTorrentFromPath agrees with mktorrent', () => {
  let dir = '';
  beforeAll(async () => {
    // Fail loudly rather than skip: the agreement is the point of this suite (recipes/reference-peers.md).
    if (!existsSync(MKTORRENT)) throw new Error(`${MKTORRENT} is missing: apt-get install -y mktorrent`);
    dir = await mkdtemp(join(tmpdir(), 'magnetar-create-'));
    const d = join(dir, 'payload');
    await mkdir(join(d, 'a'), { recursive: true });
    await mkdir(join(d, 'sub', 'deeper'), { recursive: true });
    await mkdir(join(d, '.hidden'), { recursive: true });
    await writeFile(join(d, 'a-c'), payload(1_500_000, 1));
    await writeFile(join(d, 'a.b'), payload(700_001, 2));
    await writeFile(join(d, 'a', 'b'), payload(3, 3));
    await writeFile(join(d, 'empty'), new Uint8Array(0));
    await writeFile(join(d, 'sub', 'deeper', 'Z'), payload(1 << 20, 4));
    await writeFile(join(d, '.hidden', 'h'), payload(5, 5));
    await writeFile(join(d, 'É ü.txt'), payload(77, 6));
    await writeFile(join(d, 'B'), payload(2_000_000, 7));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const mk = async (args: string[]) => {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}.torrent`);
    execFileSync(MKTORRENT, ['-a', 'http://127.0.0.1:1/announce', ...args, '-o', out], { stdio: 'ignore' });
    return parseTorrent(await readFile(out));
  };

  test('folder, -l 20', async () => {
    const theirs = await mk(['-l', '20', join(dir, 'payload')]);
    const ours = await createTorrentFromPath(join(dir, 'payload'), { pieceLength: 1 << 20 });
    expect(ours.torrent.files.map((f) => f.path.join('/'))).toEqual(
      theirs.files.map((f) => f.path.join('/')),
    );
    expect(ours.torrent.infoHashHex).toBe(theirs.infoHashHex);
  });

  test('folder, -l 15, private', async () => {
    const theirs = await mk(['-p', '-l', '15', join(dir, 'payload')]);
    const ours = await createTorrentFromPath(join(dir, 'payload'), { pieceLength: 1 << 15, private: true });
    expect(ours.torrent.private).toBe(true);
    expect(ours.torrent.infoHashHex).toBe(theirs.infoHashHex);
  });

  test('single file, -l 20', async () => {
    const theirs = await mk(['-l', '20', join(dir, 'payload', 'B')]);
    const ours = await createTorrentFromPath(join(dir, 'payload', 'B'), {
      pieceLength: 1 << 20,
      announce: [['http://127.0.0.1:1/announce']],
    });
    expect(ours.torrent.multiFile).toBe(false);
    expect(ours.torrent.infoHashHex).toBe(theirs.infoHashHex);
    expect(ours.torrent.announce).toEqual(theirs.announce);
  });

  test('symlinks are skipped, not followed', async () => {
    const d = join(dir, 'links');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'real'), payload(10, 1));
    await symlink('/etc/hostname', join(d, 'out-link'));
    await symlink(join(dir, 'payload'), join(d, 'dir-link'));
    const ours = await createTorrentFromPath(d);
    expect(ours.torrent.files.map((f) => f.path.join('/'))).toEqual(['real']);
  });

  test('missing target and empty folder have codes', async () => {
    await expectCodeAsync(createTorrentFromPath(join(dir, 'nope')), 'NOT_FOUND');
    await mkdir(join(dir, 'emptydir'));
    await expectCodeAsync(createTorrentFromPath(join(dir, 'emptydir')), 'TORRENT_NO_FILES');
  });
});
