// `magnetar download <file.torrent | URL> [--out DIR]`: exits 0 only when every file is complete
// and every piece verified; non-zero with a clear message otherwise.

import path from 'node:path';
import { describeError, isMagnetarError } from '../core/errors.ts';
import { parseTorrent } from '../metainfo/index.ts';
import { describe, progressMode } from './progress.ts';
import { runTorrent } from './run-torrent.ts';
import { loadTorrentBytes } from './source.ts';

export interface DownloadFlags {
  out: string;
  port: number;
  json?: boolean;
  quiet?: boolean;
  peer: { host: string; port: number }[];
  maxPeers?: number;
  seed?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERRUPTED = 130;

export async function runDownloadCommand(
  source: string,
  flags: DownloadFlags,
  log: (s: string) => void,
): Promise<number> {
  let bytes: Uint8Array;
  let name: string;
  try {
    bytes = await loadTorrentBytes(source);
    name = parseTorrent(bytes).name;
  } catch (e) {
    log(`magnetar: ${describeError(e)}${isMagnetarError(e) ? ` [${e.code}]` : ''}`);
    return EXIT_BAD_INPUT;
  }
  const out = path.resolve(flags.out);
  const outcome = await runTorrent({
    bytes,
    dir: out,
    port: flags.port,
    seed: flags.seed ?? false,
    exitOnDone: !flags.seed,
    mode: progressMode(flags),
    label: name.length > 24 ? `${name.slice(0, 23)}…` : name,
    peers: flags.peer,
    maxPeers: flags.maxPeers,
  });
  switch (outcome.kind) {
    case 'done':
      if (!flags.quiet && !flags.json) log(`magnetar: ${name}: complete and verified in ${out}`);
      return EXIT_OK;
    case 'stopped':
      if (!flags.json) log(`magnetar: stopped${outcome.torrent ? ` at ${describe(outcome.torrent)}` : ''}`);
      return EXIT_INTERRUPTED;
    case 'error':
      log(`magnetar: ${outcome.error.message} [${outcome.error.code}]`);
      return outcome.error.fault === 'input' ? EXIT_BAD_INPUT : EXIT_FAILED;
  }
}
