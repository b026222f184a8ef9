// A file changed on disk under a seeding torrent (RELIABILITY S64): the seeder hashes each piece it
// reads back before sending any of it, so the change is caught and the torrent stops with an
// error; no peer ever receives the damaged bytes.

import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { waitFor } from '../../helpers/procs.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, seeding, session, singleFile } from './fixtures.ts';

afterEach(() => closeSessions());
afterAll(() => removeAllTempDirs());

it('stops seeding a piece that changed on disk instead of sending it', async () => {
  const tmp = makeTempDir();
  const pieceLength = 64 * 1024;
  const made = await singleFile(join(tmp.path, 'seed'), 'data.bin', 40 * pieceLength, pieceLength);
  const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
  const s = await seeder.addTorrentFile(made.bytes);
  await seeding(seeder, s.id);
  // Damage piece 7 behind the seeder's back (same size, new bytes).
  const fd = openSync(join(tmp.path, 'seed', 'data.bin'), 'r+');
  writeSync(fd, new Uint8Array(1000).fill(0x5a), 0, 1000, 7 * pieceLength + 123);
  closeSync(fd);

  const leecher = await session({
    downloadRoot: join(tmp.path, 'out'),
    extraPeers: [{ host: '127.0.0.1', port: seeder.port }],
  });
  const t = await leecher.addTorrentFile(made.bytes, { seed: false });
  await waitFor(() => seeder.get(s.id)?.state === 'error', 30_000, 'the seeder stops with an error');
  expect(seeder.get(s.id)!.error?.code).toBe('STORAGE_CHANGED');
  // The leecher never saw a bad piece: nobody was suspected, and piece 7 is not among its pieces.
  const lt = leecher.torrent(t.id)!;
  expect(lt.bannedHosts).toEqual([]);
  expect(leecher.get(t.id)!.progress).toBeLessThan(1);
  expect(lt['have'].has(7)).toBe(false);
});
