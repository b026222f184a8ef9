// `npm run bench`: Magnetar beside aria2c, downloading the same torrent from one loopback aria2
// seeder, alternating A B A B (recipes/reference-peers.md), and printing medians and ratios:
// throughput (MB/s), CPU seconds per GiB and peak RSS, measured by GNU time for both clients.
//
//   npm run bench                      1 GiB, 3 rounds
//   npm run bench -- --size 4096 --rounds 1     4 GiB: memory must not grow with torrent size
//
// Figures only: nothing here asserts (DEVELOPERS.md: tests never assert wall-clock times).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAria2Seeder } from '../helpers/aria2.ts';
import { startMagnetar } from '../helpers/magnetar.ts';
import { makeTorrent } from '../helpers/mktorrent.ts';
import { startOpentracker } from '../helpers/opentracker.ts';
import { writePayloadFile } from '../helpers/payload.ts';
import { freePort } from '../helpers/ports.ts';
import { stopAll } from '../helpers/procs.ts';

const MAGNETAR = fileURLToPath(new URL('../../native-host/dist/magnetar.mjs', import.meta.url));

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

interface Sample {
  seconds: number;
  cpu: number;
  rssMiB: number;
}

/** Runs a command under GNU time; returns wall, user+sys CPU and max RSS. */
function timed(cmd: string, args: string[], log: string): Promise<Sample> {
  const fmt = '%e %U %S %M';
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', fmt, '-o', `${log}.time`, cmd, ...args], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = readFileSync(`${log}.time`, 'utf8').trim().split('\n');
      const [e, u, s, m] = lines[lines.length - 1]!.split(' ').map(Number);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}: ${lines.join(' ')}`));
      else resolve({ seconds: e!, cpu: u! + s!, rssMiB: m! / 1024 });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const sizeMiB = arg('size', 1024);
  const rounds = arg('rounds', 3);
  if (!existsSync(MAGNETAR)) throw new Error('build first: npm run build:host');
  const dir = join(os.tmpdir(), `magnetar-bench-${sizeMiB}`);
  mkdirSync(join(dir, 'seed'), { recursive: true });
  const file = join(dir, 'seed', 'payload.bin');
  const bytes = sizeMiB * 1024 * 1024;
  if (!existsSync(file) || readFileSync(`${file}.size`, 'utf8').trim() !== String(bytes)) {
    process.stderr.write(`making a ${sizeMiB} MiB payload in ${dir}…\n`);
    await writePayloadFile(file, bytes, 99);
    execFileSync('sh', ['-c', `echo ${bytes} > '${file}.size'`]);
  }
  const torrent = join(dir, 'payload.torrent');
  rmSync(torrent, { force: true });
  // Both clients find the seeder the same way: through a loopback opentracker.
  const trackerPort = await freePort();
  const { infoHash } = await makeTorrent({
    source: file,
    out: torrent,
    announce: [[`http://127.0.0.1:${trackerPort}/announce`]],
    pieceLengthExp: 20,
  });
  const ot = await startOpentracker({ infoHashes: [infoHash], port: trackerPort });
  const seedPort = await freePort();
  process.stderr.write('starting the aria2 seeder (it verifies the payload first)…\n');
  const ariaSeeder = await startAria2Seeder({
    torrentPath: torrent,
    dataDir: join(dir, 'seed'),
    port: seedPort,
    readyTimeoutMs: 10 * 60_000,
  });
  await ot.waitForSeeders(infoHash, 1, 60_000);

  const leech = async (client: 'magnetar' | 'aria2c', label: string): Promise<Sample> => {
    const out = join(dir, `out-${client}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const port = await freePort();
    const log = join(dir, `${label}`);
    const sample =
      client === 'magnetar'
        ? // Run as installed: the file's shebang carries our Node flags.
          await timed(MAGNETAR, ['download', torrent, '--out', out, '--port', String(port), '--quiet'], log)
        : await timed(
            'aria2c',
            [
              `--dir=${out}`,
              '--seed-time=0',
              '--enable-dht=false',
              '--bt-enable-lpd=false',
              '--enable-peer-exchange=false',
              `--listen-port=${port}`,
              '--file-allocation=none',
              '--quiet=true',
              torrent,
            ],
            log,
          );
    rmSync(out, { recursive: true, force: true });
    process.stderr.write(
      `${label.padEnd(22)} ${(bytes / 1e6 / sample.seconds).toFixed(1)} MB/s, ` +
        `${((sample.cpu * 1024) / sizeMiB).toFixed(2)} CPU s/GiB, ${sample.rssMiB.toFixed(0)} MiB RSS\n`,
    );
    return sample;
  };

  const down: Record<'magnetar' | 'aria2c', Sample[]> = { magnetar: [], aria2c: [] };
  const up: Sample[] = [];
  try {
    // A: both clients leech from the aria2 seeder, alternating.
    for (let r = 0; r < rounds; r++) {
      down.magnetar.push(await leech('magnetar', `leech-magnetar-${r + 1}`));
      down.aria2c.push(await leech('aria2c', `leech-aria2c-${r + 1}`));
    }
    // B: aria2c leeches from a Magnetar seeder (compare with aria2c from the aria2 seeder above).
    await ariaSeeder.stop();
    const seedProc = startMagnetar(
      ['seed', torrent, '--dir', join(dir, 'seed'), '--port', String(await freePort()), '--json'],
      join(dir, 'magnetar-seed.log'),
    );
    await seedProc.waitProgress((p) => p.state === 'seeding', 10 * 60_000);
    // Its `started` announce follows the check at once; give the tracker a moment.
    await new Promise((r) => setTimeout(r, 2000));
    for (let r = 0; r < rounds; r++) up.push(await leech('aria2c', `seed-magnetar-${r + 1}`));
    await seedProc.stop();
  } finally {
    await stopAll();
  }
  const row = (name: string, s: Sample[]) => ({
    name,
    mbps: median(s.map((x) => bytes / 1e6 / x.seconds)),
    cpu: median(s.map((x) => (x.cpu * 1024) / sizeMiB)),
    rss: Math.max(...s.map((x) => x.rssMiB)),
  });
  const m = row('magnetar', down.magnetar);
  const a = row('aria2c', down.aria2c);
  const fmt = (x: ReturnType<typeof row>) =>
    `| ${x.name.padEnd(22)} | ${x.mbps.toFixed(1).padStart(7)} | ${x.cpu.toFixed(2).padStart(9)} | ${x.rss.toFixed(0).padStart(12)} |`;
  const u = row('aria2c ← magnetar seed', up);
  const lines = [
    `\n${sizeMiB} MiB single file, 1 MiB pieces, loopback opentracker, ${rounds} rounds (medians; RSS = max)`,
    '',
    'Download from one aria2 seeder (leecher CPU and RSS):',
    '| client                 | MB/s    | CPU s/GiB | peak RSS MiB |',
    '|------------------------|---------|-----------|--------------|',
    fmt(m),
    fmt(a),
    `| ratio magnetar/aria2c  | ${(m.mbps / a.mbps).toFixed(2).padStart(7)} | ${(m.cpu / a.cpu).toFixed(2).padStart(9)} | ${(m.rss / a.rss).toFixed(2).padStart(12)} |`,
    '',
    `Upload: aria2c leeching from a Magnetar seeder, ${u.mbps.toFixed(1)} MB/s (from the aria2 seeder: ${a.mbps.toFixed(1)} MB/s; ratio ${(u.mbps / a.mbps).toFixed(2)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch(async (e: unknown) => {
  await stopAll();
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
