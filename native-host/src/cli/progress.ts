// Progress output for long-running commands: a bar on a TTY (cli-progress), one JSON object per
// second with --json (for scripts and tests), nothing with --quiet. Output goes to stderr for the
// bar and stdout for JSON lines, so `--json | jq` works.

import { SingleBar } from 'cli-progress';
import type { TorrentSummary } from '../engine/api.ts';
import { formatBytes, formatEta, formatRate } from './format.ts';

export type ProgressMode = 'bar' | 'json' | 'quiet' | 'lines';

export interface ProgressReporter {
  update(s: TorrentSummary): void;
  stop(final?: TorrentSummary): void;
}

export function progressMode(opts: { json?: boolean; quiet?: boolean }): ProgressMode {
  if (opts.json) return 'json';
  if (opts.quiet) return 'quiet';
  return process.stderr.isTTY ? 'bar' : 'lines';
}

export function makeProgress(mode: ProgressMode, label: string): ProgressReporter {
  if (mode === 'quiet') return { update: () => undefined, stop: () => undefined };
  if (mode === 'json') {
    return {
      update: (s) => process.stdout.write(`${JSON.stringify({ event: 'progress', ...s })}\n`),
      stop: (s) => {
        if (s) process.stdout.write(`${JSON.stringify({ event: 'final', ...s })}\n`);
      },
    };
  }
  if (mode === 'lines') {
    let last = '';
    return {
      update: (s) => {
        const line = `${label} ${describe(s)}`;
        if (line !== last) process.stderr.write(`${line}\n`);
        last = line;
      },
      stop: () => undefined,
    };
  }
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {state} | ↓ {down} ↑ {up} | {peers} peers | ETA {eta}`,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    stream: process.stderr,
    etaBuffer: 1,
  });
  let started = false;
  const payload = (s: TorrentSummary) => ({
    state: s.state,
    down: formatRate(s.downRate),
    up: formatRate(s.upRate),
    peers: s.peers,
    eta: formatEta(s.eta),
  });
  return {
    update: (s) => {
      if (!started) {
        bar.start(1000, 0, payload(s));
        started = true;
      }
      bar.update(Math.floor(s.progress * 1000), payload(s));
    },
    stop: (s) => {
      if (started && s) bar.update(Math.floor(s.progress * 1000), payload(s));
      if (started) bar.stop();
    },
  };
}

export function describe(s: TorrentSummary): string {
  return (
    `${(s.progress * 100).toFixed(1)}% ${s.state} ${formatBytes(s.done)}/${formatBytes(s.size)} ` +
    `↓ ${formatRate(s.downRate)} ↑ ${formatRate(s.upRate)} peers ${s.peers} ETA ${formatEta(s.eta)}`
  );
}
