// Entry point of the one bundled host file. A browser starts us with the caller's origin
// (Chrome: `chrome-extension://ID/`) or, on Firefox, the native-messaging manifest path and the
// add-on id; anything else is the command line.

import { isMainThread } from 'node:worker_threads';
import { runCli } from './cli/index.ts';
import { runNativeHost } from './nm/host.ts';

function launchedByBrowser(argv: readonly string[]): boolean {
  const a = argv[0] ?? '';
  return (
    a.startsWith('chrome-extension://') || (a.endsWith('.json') && argv.length >= 2 && !a.startsWith('-'))
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (launchedByBrowser(argv)) {
    await runNativeHost(argv);
  } else {
    process.exitCode = await runCli(argv);
  }
}

if (isMainThread) void main();
