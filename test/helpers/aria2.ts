// aria2c as a reference seeder and leecher on 127.0.0.1 (recipes/reference-peers.md).
//
//   const seed = await startAria2Seeder({ torrentPath, dataDir, port: await freePort() });
//   const r = await runAria2Leecher({ torrentPath, outDir, port: await freePort(), timeoutMs: 60_000 });
//   expect(r.code).toBe(0);   await seed.stop();
//
// Seeder flags verified here (aria2 1.36.0, Debian 12): `--check-integrity=true` (-V) hashes the
// data first and, with `--bt-seed-unverified=false`, seeds only verified pieces;
// `--seed-ratio=0.0` with no `--seed-time` seeds forever (otherwise it stops at ratio 1.0). The log
// says "Verification finished successfully" and then "IPv4 BitTorrent: listening on TCP port P";
// the seeder is ready when both appear and the port answers. Leecher: `--seed-time=0` makes it exit
// 0 right after the download completes. UDP trackers: aria2 only uses them when its DHT is on (they
// share the DHT socket), so pass `dht` for a udp:// torrent. `--stop-with-process` ties every aria2
// to this test process, so even a crashed test run leaves no aria2 behind.
// Not working (tried, aria2 1.36.0): a DHT-only swarm of just an aria2 seeder and an aria2 magnet
// leecher with `--dht-entry-point` at the seeder: no download within 60 s. The seeder has no other
// DHT node to announce itself to, so its get_peers answers hold no peers; a DHT-only test needs a
// third node (e.g. ours) that both announce to.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tcpAnswers } from './ports.ts';
import { type ExitInfo, GiveUp, type Proc, runLogged, spawnLogged, waitFor } from './procs.ts';
import { makeTempDir, type TempDir } from './tmp.ts';

export interface Aria2Dht {
  /** UDP port for aria2's DHT (also its UDP-tracker socket). */
  port: number;
  /** `host:port` of a DHT node to bootstrap from (optional; e.g. another aria2's DHT port). */
  entry?: string;
}

export interface Aria2SeederOptions {
  torrentPath: string;
  /** Folder holding the payload (the torrent's name inside it). */
  dataDir: string;
  /** BitTorrent TCP listen port. */
  port: number;
  dht?: Aria2Dht;
  extraArgs?: readonly string[];
  readyTimeoutMs?: number;
}

export interface Aria2Seeder {
  readonly proc: Proc;
  readonly port: number;
  stop(): Promise<void>;
}

export interface Aria2LeecherOptions {
  torrentPath?: string;
  magnet?: string;
  outDir: string;
  port: number;
  timeoutMs: number;
  dht?: Aria2Dht;
  extraArgs?: readonly string[];
}

export interface Aria2LeechResult extends ExitInfo {
  timedOut: boolean;
  log: string;
}

/** Flags shared by seeders and leechers: loopback-friendly, quiet, no LPD/PEX, no colour codes. */
function commonArgs(port: number, dht: Aria2Dht | undefined, state: TempDir): string[] {
  const args = [
    `--listen-port=${port}`,
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--file-allocation=none',
    '--enable-color=false',
    '--console-log-level=notice',
    '--summary-interval=0',
    '--disable-ipv6=true',
    '--bt-tracker-connect-timeout=5',
    '--bt-tracker-timeout=10',
    '--bt-stop-timeout=0',
    '--bt-save-metadata=false',
    '--auto-save-interval=0',
    '--daemon=false',
    `--stop-with-process=${process.pid}`,
  ];
  if (dht) {
    args.push(
      '--enable-dht=true',
      `--dht-listen-port=${dht.port}`,
      `--dht-file-path=${join(state.path, 'dht.dat')}`,
    );
    if (dht.entry) args.push(`--dht-entry-point=${dht.entry}`);
  } else args.push('--enable-dht=false', '--enable-dht6=false');
  return args;
}

/** Starts an aria2 seeder and resolves once it has verified the data and listens. */
export async function startAria2Seeder(o: Aria2SeederOptions): Promise<Aria2Seeder> {
  const state = makeTempDir('magnetar-aria2-seed-');
  const args = [
    ...commonArgs(o.port, o.dht, state),
    `--dir=${o.dataDir}`,
    '--check-integrity=true',
    '--bt-seed-unverified=false',
    '--seed-ratio=0.0',
    ...(o.extraArgs ?? []),
    o.torrentPath,
  ];
  const proc = spawnLogged('aria2c', args, { logPath: join(state.path, 'aria2-seed.log') });
  const stop = async () => {
    await proc.stop();
    state.cleanup();
  };
  try {
    await waitFor(
      async () => {
        if (proc.exitInfo()) throw new GiveUp(`aria2 seeder exited: ${proc.log().slice(-1500)}`);
        const log = proc.log();
        return (
          log.includes('Verification finished successfully') &&
          log.includes(`listening on TCP port ${o.port}`) &&
          (await tcpAnswers(o.port))
        );
      },
      o.readyTimeoutMs ?? 30_000,
      `aria2 seeder on port ${o.port}`,
    );
  } catch (e) {
    const log = proc.log();
    await stop();
    throw new Error(`${(e as Error).message}\n--- aria2 log ---\n${log.slice(-2000)}`);
  }
  return { proc, port: o.port, stop };
}

/**
 * Downloads a torrent or magnet into `outDir` and resolves when aria2 exits (0 = complete) or is
 * killed after `timeoutMs` (`timedOut: true`). Never rejects for a failed download.
 */
export async function runAria2Leecher(o: Aria2LeecherOptions): Promise<Aria2LeechResult> {
  const source = o.torrentPath ?? o.magnet;
  if (!source) throw new Error('runAria2Leecher: torrentPath or magnet is required');
  mkdirSync(o.outDir, { recursive: true });
  const state = makeTempDir('magnetar-aria2-leech-');
  try {
    const args = [
      ...commonArgs(o.port, o.dht, state),
      `--dir=${o.outDir}`,
      '--seed-time=0',
      ...(o.extraArgs ?? []),
      source,
    ];
    return await runLogged('aria2c', args, {
      logPath: join(state.path, 'aria2-leech.log'),
      timeoutMs: o.timeoutMs,
    });
  } finally {
    state.cleanup();
  }
}
