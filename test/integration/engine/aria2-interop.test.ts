// Interop with independent implementations on loopback: aria2 as seeder and as leecher, opentracker
// as the HTTP and UDP tracker, mktorrent making the torrents. Magnetar runs as the built CLI, the
// way a user runs it: peers come only from the tracker.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runAria2Leecher, startAria2Seeder } from '../../helpers/aria2.ts';
import { MAGNETAR_BIN, startMagnetar } from '../../helpers/magnetar.ts';
import { magnetFor, makeTorrent } from '../../helpers/mktorrent.ts';
import { startOpentracker } from '../../helpers/opentracker.ts';
import { compareTrees, sha256File, writePayloadFile, writePayloadTree } from '../../helpers/payload.ts';
import { freePort } from '../../helpers/ports.ts';
import { runLogged, stopAll } from '../../helpers/procs.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';

afterEach(() => stopAll());
afterAll(() => removeAllTempDirs());

type Kind = 'single' | 'multi';

async function payload(dir: string, kind: Kind): Promise<string> {
  mkdirSync(dir, { recursive: true });
  if (kind === 'single') {
    await writePayloadFile(join(dir, 'movie.bin'), 9 * 1024 * 1024 + 333, 11);
    return join(dir, 'movie.bin');
  }
  await writePayloadTree(join(dir, 'album'), 5);
  return join(dir, 'album');
}

describe('Magnetar downloads from an aria2 seeder through opentracker', () => {
  for (const proto of ['http', 'udp'] as const) {
    for (const kind of ['single', 'multi'] as const) {
      it(`${proto} tracker, ${kind}-file`, async () => {
        const tmp = makeTempDir();
        const src = await payload(join(tmp.path, 'seed'), kind);
        // The whitelist needs the info-hash before the tracker starts: make the torrent first
        // with a placeholder port, then the tracker on that port.
        const trackerPort = await freePort();
        const url = `${proto}://127.0.0.1:${trackerPort}/announce`;
        const { torrentPath, infoHash } = await makeTorrent({
          source: src,
          out: join(tmp.path, 'x.torrent'),
          announce: [[url]],
          pieceLengthExp: kind === 'single' ? 18 : 16,
        });
        const ot = await startOpentracker({ infoHashes: [infoHash], port: trackerPort });
        const seedPort = await freePort();
        await startAria2Seeder({
          torrentPath,
          dataDir: join(tmp.path, 'seed'),
          port: seedPort,
          ...(proto === 'udp' ? { dht: { port: await freePort() } } : {}),
        });
        await ot.waitForSeeders(infoHash, 1, 20_000);
        const out = join(tmp.path, 'out');
        const run = startMagnetar(
          ['download', torrentPath, '--out', out, '--port', '0', '--json'],
          join(tmp.path, 'magnetar.log'),
        );
        const exit = await run.exited;
        expect(exit.code, run.log().slice(-3000)).toBe(0);
        const cmp = await compareTrees(join(tmp.path, 'seed'), out, (p) => p.endsWith('.aria2'));
        expect(cmp.diffs).toEqual([]);
      });
    }
  }
});

describe('aria2 downloads from a Magnetar seeder', () => {
  it('http tracker, multi-file, torrent made by `magnetar create`', async () => {
    const tmp = makeTempDir();
    const src = await payload(join(tmp.path, 'seed'), 'multi');
    const trackerPort = await freePort();
    const torrentPath = join(tmp.path, 'm.torrent');
    const created = await runLogged(
      process.execPath,
      [
        MAGNETAR_BIN,
        'create',
        src,
        '--tracker',
        `http://127.0.0.1:${trackerPort}/announce`,
        '-o',
        torrentPath,
        '--piece-length',
        '65536',
      ],
      { logPath: join(tmp.path, 'create.log'), timeoutMs: 30_000 },
    );
    expect(created.code, created.log).toBe(0);
    const infoHash = /info-hash ([0-9a-f]{40})/.exec(created.log)![1]!;
    const ot = await startOpentracker({ infoHashes: [infoHash], port: trackerPort });
    const seedPort = await freePort();
    const seeder = startMagnetar(
      ['seed', torrentPath, '--dir', join(tmp.path, 'seed'), '--port', String(seedPort), '--json'],
      join(tmp.path, 'seeder.log'),
    );
    await seeder.waitProgress((p) => p.state === 'seeding', 20_000);
    await ot.waitForSeeders(infoHash, 1, 20_000);
    const r = await runAria2Leecher({
      torrentPath,
      outDir: join(tmp.path, 'out'),
      port: await freePort(),
      timeoutMs: 60_000,
    });
    expect(r.code, r.log.slice(-3000)).toBe(0);
    const cmp = await compareTrees(join(tmp.path, 'seed'), join(tmp.path, 'out'), (p) =>
      p.endsWith('.aria2'),
    );
    expect(cmp.diffs).toEqual([]);
    // Our seeder reports what it served.
    await seeder.waitProgress((p) => p.uploaded > 0, 10_000);
    expect(await sha256File(join(tmp.path, 'out', 'album', 'a.bin'))).toBe(
      await sha256File(join(src, 'a.bin')),
    );
  });
});

describe('aria2 starts from a magnet link and gets the metadata from a Magnetar seeder (BEP 9)', () => {
  it('http tracker, multi-file', async () => {
    const tmp = makeTempDir();
    const src = await payload(join(tmp.path, 'seed'), 'multi');
    const trackerPort = await freePort();
    const announce = `http://127.0.0.1:${trackerPort}/announce`;
    const { torrentPath, infoHash } = await makeTorrent({
      source: src,
      out: join(tmp.path, 'x.torrent'),
      announce: [[announce]],
      pieceLengthExp: 16,
    });
    const ot = await startOpentracker({ infoHashes: [infoHash], port: trackerPort });
    const seeder = startMagnetar(
      ['seed', torrentPath, '--dir', join(tmp.path, 'seed'), '--port', String(await freePort()), '--json'],
      join(tmp.path, 'seeder.log'),
    );
    await seeder.waitProgress((p) => p.state === 'seeding', 20_000);
    await ot.waitForSeeders(infoHash, 1, 20_000);
    // Only the magnet: the info dictionary can come from nowhere but our seeder.
    const r = await runAria2Leecher({
      magnet: magnetFor(infoHash, [announce], 'album'),
      outDir: join(tmp.path, 'out'),
      port: await freePort(),
      timeoutMs: 60_000,
    });
    expect(r.code, r.log.slice(-3000)).toBe(0);
    const cmp = await compareTrees(join(tmp.path, 'seed'), join(tmp.path, 'out'), (p) =>
      p.endsWith('.aria2'),
    );
    expect(cmp.diffs).toEqual([]);
  });
});
