// DESIGN rule 8: closing a torrent or a session leaves no socket, timer, file handle or worker
// behind. Counted from the process itself after a real download, a pause/resume and a remove.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../../helpers/procs.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, seeding, session, singleFile, whenDone } from './fixtures.ts';

afterAll(() => removeAllTempDirs());

/** Live handles by kind (TCPSocketWrap, TCPServerWrap, Timeout, …) and open file descriptors. */
function resources(): { kinds: Record<string, number>; fds: number } {
  const kinds: Record<string, number> = {};
  for (const k of process.getActiveResourcesInfo()) kinds[k] = (kinds[k] ?? 0) + 1;
  return { kinds, fds: readdirSync('/proc/self/fd').length };
}

/** No kind of handle has more live instances than at the baseline (the runner's own come and go). */
function noMore(now: Record<string, number>, base: Record<string, number>): boolean {
  return Object.entries(now).every(([k, n]) => n <= (base[k] ?? 0));
}

it('closing sessions releases every socket, timer, file and worker', async () => {
  const tmp = makeTempDir();
  const made = await singleFile(join(tmp.path, 'seed'), 'big.bin', 6 * 1024 * 1024 + 1, 64 * 1024);
  const before = resources();

  const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
  const s = await seeder.addTorrentFile(made.bytes);
  await seeding(seeder, s.id);
  const leecher = await session({
    downloadRoot: join(tmp.path, 'out'),
    extraPeers: [{ host: '127.0.0.1', port: seeder.port }],
  });
  const t = await leecher.addTorrentFile(made.bytes, { seed: true });
  await whenDone(leecher, t.id, 30_000);
  await leecher.pause(t.id);
  await leecher.resume(t.id);
  await waitFor(() => leecher.get(t.id)?.state === 'seeding', 10_000, 'seeding again');
  const during = resources();
  // The oracle can fail: while running, there is more than at the start.
  expect(during.fds).toBeGreaterThan(before.fds);
  await leecher.remove(t.id, { deleteData: true });
  expect(readdirSync(join(tmp.path, 'out'))).toEqual([]);
  await closeSessions();

  await waitFor(
    () => {
      const now = resources();
      return noMore(now.kinds, before.kinds) && now.fds <= before.fds;
    },
    5_000,
    `resources back to ${JSON.stringify(before)} (now ${JSON.stringify(resources())})`,
  );
});
