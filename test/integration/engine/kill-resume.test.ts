// Kill -9 the downloader mid-way, run the same command again: it completes without fetching again
// the pieces it had verified (RELIABILITY S60: nothing restarts from 0%).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { startMagnetar } from '../../helpers/magnetar.ts';
import { sha256File } from '../../helpers/payload.ts';
import { stopAll } from '../../helpers/procs.ts';
import { startThrottleProxy } from '../../helpers/throttle-proxy.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, seeding, session, singleFile } from './fixtures.ts';

afterEach(async () => {
  await closeSessions();
  await stopAll();
});
afterAll(() => removeAllTempDirs());

it('resumes after kill -9 without downloading verified pieces again', async () => {
  const tmp = makeTempDir();
  const size = 16 * 1024 * 1024;
  const made = await singleFile(join(tmp.path, 'seed'), 'big.bin', size, 256 * 1024);
  const torrentFile = join(tmp.path, 'x.torrent');
  writeFileSync(torrentFile, made.bytes);
  const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
  const s = await seeder.addTorrentFile(made.bytes);
  await seeding(seeder, s.id);
  const proxy = await startThrottleProxy({ host: '127.0.0.1', port: seeder.port }, 3 * 1024 * 1024);
  const out = join(tmp.path, 'out');
  const args = (peerPort: number) => [
    'download',
    torrentFile,
    '--out',
    out,
    '--port',
    '0',
    '--json',
    '--peer',
    `127.0.0.1:${peerPort}`,
  ];

  const first = startMagnetar(args(proxy.port), join(tmp.path, 'first.log'));
  const atKill = await first.waitProgress((p) => p.progress >= 0.35, 30_000);
  process.kill(first.pid, 'SIGKILL');
  const killed = await first.exited;
  expect(killed.signal).toBe('SIGKILL');
  expect(atKill.progress).toBeLessThan(1);

  const second = startMagnetar(args(seeder.port), join(tmp.path, 'second.log'));
  const exit = await second.exited;
  expect(exit.code, second.log()).toBe(0);
  const lines = second.progress();
  const final = lines.find((l) => l.event === 'final')!;
  expect(final.progress).toBe(1);
  // The start-up check found at least what the first run had reported as verified…
  const afterCheck = lines.find((l) => l.state !== 'checking')!;
  expect(afterCheck.done).toBeGreaterThanOrEqual(atKill.done);
  // …so the second run fetched only the rest (plus at most a few pieces in flight at the kill).
  expect(final.downloaded).toBeLessThanOrEqual(size - atKill.done + 4 * 256 * 1024);
  expect(await sha256File(join(out, 'big.bin'))).toBe(await sha256File(join(tmp.path, 'seed', 'big.bin')));
  await proxy.close();
});
