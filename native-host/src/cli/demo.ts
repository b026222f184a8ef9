// `magnetar start` with no argument: an offline demo. It makes a sample payload, seeds it from one
// Magnetar engine on loopback, downloads it with a second engine (progress shown), and checks the
// result byte for byte. Nothing leaves the machine.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeError } from '../core/errors.ts';
import { createTorrentFromPath } from '../metainfo/create-from-disk.ts';
import { formatBytes, formatRate } from './format.ts';
import { progressMode } from './progress.ts';
import { runTorrent } from './run-torrent.ts';

const DEMO_FILES: readonly [string, number][] = [
  ['magnetar-demo/video.bin', 48 * 1024 * 1024],
  ['magnetar-demo/docs/readme.txt', 12_345],
  ['magnetar-demo/docs/empty.txt', 0],
  ['magnetar-demo/album/track-01.bin', 7 * 1024 * 1024 + 17],
];

export async function runDemo(
  log: (s: string) => void,
  flags: { json?: boolean; quiet?: boolean; keep?: boolean },
): Promise<number> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'magnetar-demo-'));
  try {
    const seedDir = path.join(root, 'seeder');
    const leechDir = path.join(root, 'downloads');
    log(
      `Magnetar demo: making a ${formatBytes(DEMO_FILES.reduce((a, [, n]) => a + n, 0))} sample payload in ${seedDir}`,
    );
    for (const [rel, size] of DEMO_FILES) {
      const file = path.join(seedDir, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, randomBytes(size));
    }
    const created = await createTorrentFromPath(path.join(seedDir, 'magnetar-demo'), {
      pieceLength: 256 * 1024,
      createdBy: 'Magnetar demo',
    });
    log(
      `torrent: ${created.torrent.name}, ${created.torrent.pieceCount} pieces, info-hash ${created.torrent.infoHashHex}`,
    );

    let release!: () => void;
    const stopSeeder = new Promise<void>((r) => {
      release = r;
    });
    let seederPort!: (p: number) => void;
    const portReady = new Promise<number>((r) => {
      seederPort = r;
    });
    const seeder = runTorrent({
      bytes: created.bytes,
      dir: seedDir,
      port: 0,
      seed: true,
      mode: 'quiet',
      label: 'seeder',
      peers: [],
      stop: stopSeeder,
      installSignalHandlers: false,
      onReady: (s) => seederPort(s.port),
    });
    const port = await portReady;
    log(`seeder: a Magnetar engine on 127.0.0.1:${port}; downloading with a second engine…`);
    const started = Date.now();
    const outcome = await runTorrent({
      bytes: created.bytes,
      dir: leechDir,
      port: 0,
      seed: false,
      exitOnDone: true,
      mode: progressMode(flags),
      label: 'demo',
      peers: [{ host: '127.0.0.1', port }],
    });
    release();
    await seeder;
    if (outcome.kind !== 'done') {
      log(`demo failed: ${outcome.kind === 'error' ? outcome.error.message : 'interrupted'}`);
      return 1;
    }
    const seconds = (Date.now() - started) / 1000;
    for (const [rel] of DEMO_FILES) {
      const [a, b] = await Promise.all([
        readFile(path.join(seedDir, rel)),
        readFile(path.join(leechDir, rel)),
      ]);
      if (!createHash('sha256').update(a).digest().equals(createHash('sha256').update(b).digest())) {
        log(`demo failed: ${rel} differs from the source`);
        return 1;
      }
    }
    const size = outcome.torrent.size;
    log(
      `done: ${formatBytes(size)} in ${seconds.toFixed(1)} s (${formatRate(size / seconds)}), every file identical to the source.`,
    );
    log(
      'Next: `npm start -- <file.torrent | URL>` downloads a real torrent; `node native-host/dist/magnetar.mjs --help` lists the commands.',
    );
    return 0;
  } catch (e) {
    log(`demo failed: ${describeError(e)}`);
    return 1;
  } finally {
    if (!flags.keep) await rm(root, { recursive: true, force: true });
  }
}
