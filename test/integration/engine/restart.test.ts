// A host restart with its state folder: finished torrents come back seeding from resume data, and
// a torrent whose files were moved or deleted comes back in error ("missing files"), never as 0%
// downloading again into the old place (RELIABILITY S69).

import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { sha256File } from '../../helpers/payload.ts';
import { waitFor } from '../../helpers/procs.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, seeding, session, singleFile, whenDone } from './fixtures.ts';

afterEach(() => closeSessions());
afterAll(() => removeAllTempDirs());

it('restarts from its state folder: seeding again, or "missing files" when the data is gone', async () => {
  const tmp = makeTempDir();
  const made = await singleFile(join(tmp.path, 'seed'), 'big.bin', 3 * 1024 * 1024, 64 * 1024);
  const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
  const s = await seeder.addTorrentFile(made.bytes);
  await seeding(seeder, s.id);
  const home = join(tmp.path, 'home');
  const out = join(tmp.path, 'out');
  const peers = [{ host: '127.0.0.1', port: seeder.port }];

  const first = await session({ downloadRoot: out, dataDir: home, extraPeers: peers });
  const t = await first.addTorrentFile(made.bytes, { seed: true });
  await whenDone(first, t.id, 30_000);
  await first.close();

  // Restart with the data in place: back to seeding, and no byte downloaded again.
  const second = await session({ downloadRoot: out, dataDir: home, extraPeers: peers });
  await waitFor(() => second.get(t.id)?.state === 'seeding', 20_000, 'seeding after restart');
  expect(second.get(t.id)!.downloaded).toBe(0);
  await second.close();
  // The state folder holds the torrent and its resume data (written temp + fsync + rename).
  expect(readdirSync(join(home, 'resume'))).toEqual([`${t.id}.resume`]);

  // Restart with the file deleted: an error naming the problem; nothing is fetched or created.
  rmSync(join(out, 'big.bin'));
  const third = await session({ downloadRoot: out, dataDir: home, extraPeers: peers });
  await waitFor(() => third.get(t.id)?.state === 'error', 20_000, 'error after restart');
  const summary = third.get(t.id)!;
  expect(summary.error?.code).toBe('STORAGE_MISSING');
  expect(summary.error?.message).toContain(out);
  expect(summary.downloaded).toBe(0);
  expect(existsSync(join(out, 'big.bin'))).toBe(false);
});

it('refuses a second torrent whose files would overwrite another torrent’s (S70)', async () => {
  const tmp = makeTempDir();
  const a = await singleFile(join(tmp.path, 'a'), 'same.bin', 300_000, 16 * 1024);
  const b = await singleFile(join(tmp.path, 'b'), 'same.bin', 200_000, 16 * 1024);
  expect(a.torrent.infoHashHex).not.toBe(b.torrent.infoHashHex);
  // The first torrent is complete in the shared folder.
  const s = await session({ downloadRoot: join(tmp.path, 'a') });
  const first = await s.addTorrentFile(a.bytes);
  await seeding(s, first.id);
  const before = await sha256File(join(tmp.path, 'a', 'same.bin'));
  await expect(s.addTorrentFile(b.bytes)).rejects.toMatchObject({ code: 'TORRENT_PATH_CONFLICT' });
  expect(s.list().map((t) => t.id)).toEqual([first.id]);
  // Elsewhere it is fine.
  mkdirSync(join(tmp.path, 'a', 'other'));
  const second = await s.addTorrentFile(b.bytes, { savePath: 'other', paused: true });
  expect(second.savePath).toBe(join(tmp.path, 'a', 'other'));
  expect(await sha256File(join(tmp.path, 'a', 'same.bin'))).toBe(before);
});
