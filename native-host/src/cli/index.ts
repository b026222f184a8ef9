// The command line: `magnetar download | seed | info | create | start`. Parsing is commander's
// job; each command lives in its own file and returns an exit code.

import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { describeError } from '../core/errors.ts';
import { parseTorrent } from '../metainfo/index.ts';
import { runCreateCommand } from './create.ts';
import { runDemo } from './demo.ts';
import { runDownloadCommand } from './download.ts';
import { describeTorrent } from './info.ts';

const VERSION = '0.1.0';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port 0-65535');
  return n;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function peer(v: string, prev: { host: string; port: number }[]): { host: string; port: number }[] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(v);
  if (!m || Number(m[2]) <= 0 || Number(m[2]) > 65535) throw new InvalidArgumentError('expected HOST:PORT');
  return [...prev, { host: m[1]!, port: Number(m[2]) }];
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  let code = 0;
  const program = new Command('magnetar')
    .description('Magnetar: a BitTorrent client (engine and command line)')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  const downloadOptions = (c: Command) =>
    c
      .option('-o, --out <dir>', 'folder to save into', '.')
      .option('-p, --port <n>', 'TCP port to listen on (0 = any free port)', port, 6881)
      .option('--json', 'print one JSON progress object per second on stdout')
      .option('-q, --quiet', 'print nothing but errors')
      .option('--peer <host:port>', 'also connect to this peer (repeatable)', peer, [])
      .option('--max-peers <n>', 'connection limit', positive);

  downloadOptions(program.command('download').argument('<torrent>', '.torrent file or http(s) URL'))
    .description('download a torrent; exits 0 only when every file is complete and verified')
    .option('--seed', 'keep seeding after the download completes (until Ctrl-C)')
    .action(async (src: string, o) => {
      code = await runDownloadCommand(src, o, log);
    });

  program
    .command('seed')
    .argument('<torrent>', '.torrent file or http(s) URL')
    .requiredOption('-d, --dir <dir>', 'folder that holds the payload')
    .option('-p, --port <n>', 'TCP port to listen on', port, 6881)
    .option('--json', 'JSON progress on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--peer <host:port>', 'also connect to this peer (repeatable)', peer, [])
    .option('--max-peers <n>', 'connection limit', positive)
    .description('check the data in --dir and seed it until interrupted (downloads what is missing first)')
    .action(async (src: string, o) => {
      code = await runDownloadCommand(src, { ...o, out: o.dir, seed: true }, log);
      if (code === 130) code = 0;
    });

  program
    .command('info')
    .argument('<torrent>', '.torrent file')
    .option('--json', 'machine-readable output')
    .description('show what a .torrent holds')
    .action(async (file: string, o: { json?: boolean }) => {
      try {
        process.stdout.write(
          `${describeTorrent(parseTorrent(new Uint8Array(await readFile(file))), o.json === true)}\n`,
        );
      } catch (e) {
        log(`magnetar: ${describeError(e)}`);
        code = 2;
      }
    });

  program
    .command('create')
    .argument('<path>', 'file or folder to share')
    .option('-t, --tracker <url>', 'announce URL (repeatable, one tier each)', collect, [])
    .option('-o, --output <file>', 'where to write the .torrent')
    .option('-l, --piece-length <bytes>', 'piece length in bytes (a power of two)', positive)
    .option('--private', 'set the private flag (BEP 27)')
    .option('-c, --comment <text>', 'comment')
    .option('-n, --name <name>', 'torrent name (default: the file or folder name)')
    .description('make a .torrent')
    .action(async (target: string, o) => {
      code = await runCreateCommand(target, o, log);
    });

  downloadOptions(
    program.command('start').argument('[torrent]', '.torrent file or URL; none runs the offline demo'),
  )
    .option('--keep', 'demo: keep the demo folder')
    .description('with no argument, run the offline demo swarm; otherwise download the torrent')
    .action(async (src: string | undefined, o) => {
      code = src ? await runDownloadCommand(src, o, log) : await runDemo(log, o);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    const ce = e as { exitCode?: number; code?: string };
    if (
      ce.code === 'commander.helpDisplayed' ||
      ce.code === 'commander.version' ||
      ce.code === 'commander.help'
    )
      return 0;
    return typeof ce.exitCode === 'number' ? ce.exitCode || 2 : 2;
  }
  return code;
}
