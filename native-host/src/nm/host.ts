// The browser-launched front end: wires HostLoop to stdio, the real engine session, and a log
// file. Chrome starts us with `chrome-extension://ID/`, Firefox with the manifest path and the
// add-on id (main.ts decides). stdout carries frames only, so console output is re-routed to the
// log before anything else runs (a dependency's stray warning would corrupt the framing, N78).

import { join } from 'node:path';
import { version } from '../../../package.json';
import { createSession } from '../engine/session.ts';
import { encodeFrame } from './framing.ts';
import { HostLoop } from './host-loop.ts';
import { fileLogger, type Logger } from './log.ts';
import { identifyCaller } from './origin.ts';
import { currentDirEnv, defaultDataDir, defaultDownloadRoot } from './paths.ts';

/** Environment overrides: the data folder and the log file (tests point both into temp dirs). */
export const ENV_HOME = 'MAGNETAR_HOME';
export const ENV_LOG = 'MAGNETAR_LOG';

function silenceConsole(log: Logger): void {
  const toLog =
    (level: 'info' | 'warn' | 'error') =>
    (...args: unknown[]) =>
      log[level](`console: ${args.map(String).join(' ')}`);
  const c = globalThis.console as unknown as Record<string, unknown>;
  for (const k of ['log', 'info', 'debug', 'trace']) c[k] = toLog('info');
  c['warn'] = toLog('warn');
  c['error'] = toLog('error');
}

function writeAndExit(message: unknown, code: number): Promise<void> {
  return new Promise((resolve) => {
    const frame = encodeFrame(message);
    const done = () => {
      process.exitCode = code;
      resolve();
    };
    if (frame.ok) process.stdout.end(frame.frame, done);
    else process.stdout.end(done);
  });
}

export async function runNativeHost(argv: string[]): Promise<void> {
  const dirs = currentDirEnv();
  const dataDir = defaultDataDir(dirs);
  const log = fileLogger(process.env[ENV_LOG] || join(dataDir, 'host.log'));
  silenceConsole(log);

  const caller = identifyCaller(argv, process.env);
  if (!caller.ok) {
    log.warn('caller refused', { argv, reason: caller.reason });
    const error = { code: 'ORIGIN_REFUSED', message: caller.reason };
    await writeAndExit({ v: 1, id: null, type: 'reply', ok: false, error }, 1);
    return;
  }
  log.info('started', { version, caller: caller.caller, dataDir, pid: process.pid });

  const loop = new HostLoop({
    input: process.stdin,
    output: process.stdout,
    dataDir,
    defaultDownloadRoot: defaultDownloadRoot(dirs),
    hostVersion: version,
    log,
    createSession: (o) => createSession(o),
  });
  // The browser sends SIGTERM when it gives up waiting after EOF; treat it like EOF.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void loop.shutdown('eof'));
  process.on('unhandledRejection', (e) => log.error('unhandled rejection', { message: String(e) }));
  process.on('uncaughtException', (e) => {
    log.error('uncaught exception', { stack: e.stack });
    void loop.shutdown('fatal');
  });

  const reason = await loop.run();
  log.info('exit', { reason });
  // Sockets or timers the engine failed to close must not keep us alive: the browser waits.
  process.exit(reason === 'eof' ? 0 : 1);
}
