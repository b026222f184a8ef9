// Magnetar ⇄ Magnetar on loopback: single- and multi-file, several seeders at once, a seeder
// killed mid-download, and a peer that sends corrupt blocks (banned; the download still completes).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAX_HASH_FAILURES_PER_PEER } from '../../../native-host/src/core/limits.ts';
import { startEvilPeer } from '../../helpers/evil-peer.ts';
import { startMagnetar } from '../../helpers/magnetar.ts';
import { compareTrees, sha256File } from '../../helpers/payload.ts';
import { freePorts } from '../../helpers/ports.ts';
import { stopAll } from '../../helpers/procs.ts';
import { startThrottleProxy } from '../../helpers/throttle-proxy.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, copyDir, seeding, session, singleFile, tree, whenDone } from './fixtures.ts';

afterEach(async () => {
  await closeSessions();
  await stopAll();
});
afterAll(() => removeAllTempDirs());

describe('Magnetar to Magnetar', () => {
  it('downloads a multi-file torrent (nested folders, empty file, file smaller than a piece)', async () => {
    const tmp = makeTempDir();
    const made = await tree(join(tmp.path, 'seed'), 'payload', 64 * 1024);
    const seeder = await session({ downloadRoot: join(tmp.path, 'seed'), seedAfterDownload: true });
    const s = await seeder.addTorrentFile(made.bytes);
    await seeding(seeder, s.id);
    const leecher = await session({
      downloadRoot: join(tmp.path, 'out'),
      extraPeers: [{ host: '127.0.0.1', port: seeder.port }],
      seedAfterDownload: false,
    });
    const t = await leecher.addTorrentFile(made.bytes);
    const done = await whenDone(leecher, t.id, 30_000);
    expect(done.piecesDone).toBe(made.torrent.pieceCount);
    const cmp = await compareTrees(join(tmp.path, 'seed', 'payload'), join(tmp.path, 'out', 'payload'));
    expect(cmp.diffs).toEqual([]);
  });

  it('takes pieces from three seeders at once', async () => {
    const tmp = makeTempDir();
    const made = await singleFile(join(tmp.path, 's0'), 'big.bin', 24 * 1024 * 1024 + 5, 256 * 1024);
    copyDir(join(tmp.path, 's0'), join(tmp.path, 's1'));
    copyDir(join(tmp.path, 's0'), join(tmp.path, 's2'));
    const seeders = [];
    for (const d of ['s0', 's1', 's2']) {
      const s = await session({ downloadRoot: join(tmp.path, d), seedAfterDownload: true });
      const t = await s.addTorrentFile(made.bytes);
      await seeding(s, t.id);
      seeders.push(s);
    }
    const leecher = await session({
      downloadRoot: join(tmp.path, 'out'),
      extraPeers: seeders.map((s) => ({ host: '127.0.0.1', port: s.port })),
    });
    const t = await leecher.addTorrentFile(made.bytes, { seed: false });
    await whenDone(leecher, t.id, 60_000);
    expect(await sha256File(join(tmp.path, 'out', 'big.bin'))).toBe(
      await sha256File(join(tmp.path, 's0', 'big.bin')),
    );
    const uploads = seeders.map((s) => s.get(t.id)!.uploaded);
    // Every byte came from one of the seeders, and the work was shared.
    expect(uploads.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(made.torrent.totalLength);
    expect(uploads.filter((u) => u > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('finishes from the remaining seeder when another is killed mid-download', async () => {
    const tmp = makeTempDir();
    const made = await singleFile(join(tmp.path, 's0'), 'big.bin', 12 * 1024 * 1024, 256 * 1024);
    copyDir(join(tmp.path, 's0'), join(tmp.path, 's1'));
    const torrentFile = join(tmp.path, 'x.torrent');
    writeFileSync(torrentFile, made.bytes);
    const ports = await freePorts(2);
    const procs = ['s0', 's1'].map((d, i) =>
      startMagnetar(
        ['seed', torrentFile, '--dir', join(tmp.path, d), '--port', String(ports[i]), '--json'],
        join(tmp.path, `${d}.log`),
      ),
    );
    for (const p of procs) await p.waitProgress((l) => l.state === 'seeding', 20_000);
    // Slow both links so the download is still running when the first seeder dies.
    const proxies = await Promise.all(
      ports.map((port) => startThrottleProxy({ host: '127.0.0.1', port }, 2 * 1024 * 1024)),
    );
    const leecher = await session({
      downloadRoot: join(tmp.path, 'out'),
      extraPeers: proxies.map((p) => ({ host: '127.0.0.1', port: p.port })),
    });
    const t = await leecher.addTorrentFile(made.bytes, { seed: false });
    const deadline = Date.now() + 30_000;
    while ((leecher.get(t.id)?.progress ?? 0) < 0.2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(leecher.get(t.id)!.progress).toBeGreaterThanOrEqual(0.2);
    expect(leecher.get(t.id)!.progress).toBeLessThan(1);
    await procs[0]!.stop(0); // SIGTERM then immediate SIGKILL
    await whenDone(leecher, t.id, 60_000);
    expect(await sha256File(join(tmp.path, 'out', 'big.bin'))).toBe(
      await sha256File(join(tmp.path, 's0', 'big.bin')),
    );
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('bans a peer whose blocks fail the hash and completes from an honest one', async () => {
    const tmp = makeTempDir();
    const made = await singleFile(join(tmp.path, 'seed'), 'big.bin', 4 * 1024 * 1024, 64 * 1024);
    const evil = await startEvilPeer({
      infoHash: made.torrent.infoHash,
      pieceCount: made.torrent.pieceCount,
      host: '127.0.0.2',
    });
    const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
    const s = await seeder.addTorrentFile(made.bytes);
    await seeding(seeder, s.id);
    // The honest seeder is slowed so the liar gets plenty of requests.
    const proxy = await startThrottleProxy({ host: '127.0.0.1', port: seeder.port }, 1024 * 1024);
    const leecher = await session({
      downloadRoot: join(tmp.path, 'out'),
      extraPeers: [
        { host: evil.host, port: evil.port },
        { host: '127.0.0.1', port: proxy.port },
      ],
    });
    const t = await leecher.addTorrentFile(made.bytes, { seed: false });
    await whenDone(leecher, t.id, 60_000);
    expect(await sha256File(join(tmp.path, 'out', 'big.bin'))).toBe(
      await sha256File(join(tmp.path, 'seed', 'big.bin')),
    );
    expect(evil.blocksSent()).toBeGreaterThan(0);
    const torrent = leecher.torrent(t.id)!;
    expect(torrent.bannedHosts).toContain('127.0.0.2');
    expect(torrent.bannedHosts).not.toContain('127.0.0.1');
    // Once banned, the liar is never dialled again.
    const conns = evil.connections();
    expect(conns).toBeLessThanOrEqual(MAX_HASH_FAILURES_PER_PEER);
    await proxy.close();
    await evil.close();
  });
});
