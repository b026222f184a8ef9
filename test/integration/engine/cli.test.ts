// The command line as a user meets it: a .torrent from an http URL, clear errors and exit codes
// for bad input, `info`, a full disk, and Ctrl-C telling the tracker we left.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MAGNETAR_BIN, startMagnetar } from '../../helpers/magnetar.ts';
import { startOpentracker } from '../../helpers/opentracker.ts';
import { sha256File } from '../../helpers/payload.ts';
import { freePort } from '../../helpers/ports.ts';
import { runLogged, stopAll, waitFor } from '../../helpers/procs.ts';
import { startThrottleProxy } from '../../helpers/throttle-proxy.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, seeding, session, singleFile } from './fixtures.ts';

afterEach(async () => {
  await closeSessions();
  await stopAll();
});
afterAll(() => removeAllTempDirs());

function cli(args: string[], dir: string, name: string) {
  return runLogged(process.execPath, [MAGNETAR_BIN, ...args], {
    logPath: join(dir, `${name}.log`),
    timeoutMs: 60_000,
  });
}

describe('magnetar CLI', () => {
  it('downloads a .torrent given as an http URL', async () => {
    const tmp = makeTempDir();
    const made = await singleFile(join(tmp.path, 'seed'), 'file.bin', 3 * 1024 * 1024 + 7, 64 * 1024);
    const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
    const s = await seeder.addTorrentFile(made.bytes);
    await seeding(seeder, s.id);
    const server = http.createServer((req, res) => {
      if (req.url !== '/dl/file.torrent') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/x-bittorrent' }).end(made.bytes);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dl/file.torrent`;
    const r = await cli(
      [
        'download',
        url,
        '--out',
        join(tmp.path, 'out'),
        '--port',
        '0',
        '--quiet',
        '--peer',
        `127.0.0.1:${seeder.port}`,
      ],
      tmp.path,
      'url',
    );
    server.close();
    expect(r.code, r.log).toBe(0);
    expect(await sha256File(join(tmp.path, 'out', 'file.bin'))).toBe(
      await sha256File(join(tmp.path, 'seed', 'file.bin')),
    );
  });

  it('refuses a corrupt .torrent with exit 2 and the error code, writing nothing', async () => {
    const tmp = makeTempDir();
    const bad = join(tmp.path, 'bad.torrent');
    writeFileSync(bad, 'd4:infod6:lengthi-5e4:name1:xee');
    const out = join(tmp.path, 'out');
    const r = await cli(['download', bad, '--out', out, '--port', '0'], tmp.path, 'bad');
    expect(r.code).toBe(2);
    expect(r.log).toMatch(/\[TORRENT_[A-Z_]+\]/);
    const html = join(tmp.path, 'page.torrent');
    writeFileSync(html, '<html>not found</html>');
    const r2 = await cli(['info', html], tmp.path, 'html');
    expect(r2.code).toBe(2);
    expect(r2.log).toMatch(/not start with a bencoded dictionary|not a torrent/i);
    const missing = await cli(
      ['download', join(tmp.path, 'nope.torrent'), '--out', out],
      tmp.path,
      'missing',
    );
    expect(missing.code).toBe(2);
    expect(() => execFileSync('ls', [out], { stdio: 'pipe' })).toThrow();
  });

  it('prints what a torrent holds with info --json', async () => {
    const tmp = makeTempDir();
    const made = await singleFile(join(tmp.path, 'seed'), 'file.bin', 100_000, 16 * 1024, [
      ['udp://127.0.0.1:1/announce'],
    ]);
    const t = join(tmp.path, 'x.torrent');
    writeFileSync(t, made.bytes);
    const r = await cli(['info', t, '--json'], tmp.path, 'info');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.log.trim().split('\n').pop()!) as {
      infoHash: string;
      size: number;
      trackers: string[][];
    };
    expect(j.infoHash).toBe(made.torrent.infoHashHex);
    expect(j.size).toBe(100_000);
    expect(j.trackers).toEqual([['udp://127.0.0.1:1/announce']]);
  });

  it('stops with "disk full" and exit 1 when the disk fills up, counting no broken piece', async () => {
    const tmp = makeTempDir();
    const made = await singleFile(join(tmp.path, 'seed'), 'big.bin', 12 * 1024 * 1024, 256 * 1024);
    const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
    const s = await seeder.addTorrentFile(made.bytes);
    await seeding(seeder, s.id);
    const mnt = join(tmp.path, 'small');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`cannot mount a tmpfs for the disk-full test (needs root): ${String(e)}`);
    }
    try {
      const t = join(tmp.path, 'x.torrent');
      writeFileSync(t, made.bytes);
      const r = await cli(
        ['download', t, '--out', mnt, '--port', '0', '--json', '--peer', `127.0.0.1:${seeder.port}`],
        tmp.path,
        'full',
      );
      expect(r.code, r.log).toBe(1);
      expect(r.log).toContain('[STORAGE_DISK_FULL]');
      const last = r.log
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop()!;
      const final = JSON.parse(last) as { piecesDone: number; state: string };
      expect(final.state).toBe('error');
      // Only whole verified pieces count, and they fit in 4 MiB.
      expect(final.piecesDone).toBeLessThanOrEqual(16);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('on Ctrl-C exits 130 and tells the tracker it stopped', async () => {
    const tmp = makeTempDir();
    const trackerPort = await freePort();
    const made = await singleFile(join(tmp.path, 'seed'), 'big.bin', 16 * 1024 * 1024, 256 * 1024, [
      [`http://127.0.0.1:${trackerPort}/announce`],
    ]);
    const ot = await startOpentracker({ infoHashes: [made.torrent.infoHashHex], port: trackerPort });
    const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
    const s = await seeder.addTorrentFile(made.bytes, { seed: true });
    await seeding(seeder, s.id);
    const proxy = await startThrottleProxy({ host: '127.0.0.1', port: seeder.port }, 1024 * 1024);
    const t = join(tmp.path, 'x.torrent');
    writeFileSync(t, made.bytes);
    const run = startMagnetar(
      [
        'download',
        t,
        '--out',
        join(tmp.path, 'out'),
        '--port',
        '0',
        '--json',
        '--peer',
        `127.0.0.1:${proxy.port}`,
      ],
      join(tmp.path, 'dl.log'),
    );
    await run.waitProgress((p) => p.progress > 0.05, 30_000);
    await waitFor(
      async () => (await ot.scrape(made.torrent.infoHashHex)).incomplete >= 1,
      20_000,
      'leecher announced',
    );
    process.kill(run.pid, 'SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(130);
    const after = await ot.scrape(made.torrent.infoHashHex);
    expect(after.incomplete).toBe(0);
    await proxy.close();
  });
});
