// Our own CLI as a child process (the built single file), for tests that kill it, and an
// in-process seeder/leecher built on the engine's Session for tests that inspect state.
//
//   const run = startMagnetar(['download', t, '--out', dir, '--json', '--port', '0'], log);
//   await run.waitProgress((p) => p.progress > 0.3, 30_000);  then run.kill('SIGKILL')

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Proc, spawnLogged, waitFor } from './procs.ts';

export const MAGNETAR_BIN = fileURLToPath(new URL('../../native-host/dist/magnetar.mjs', import.meta.url));

export function requireBuiltHost(): void {
  if (!existsSync(MAGNETAR_BIN))
    throw new Error(`${MAGNETAR_BIN} is missing: run \`npm run build:host\` first`);
}

export interface ProgressLine {
  event: 'progress' | 'final';
  id: string;
  state: string;
  progress: number;
  done: number;
  downloaded: number;
  uploaded: number;
  peers: number;
  piecesDone: number;
}

export interface MagnetarRun extends Proc {
  /** JSON progress lines printed so far (requires --json). */
  progress(): ProgressLine[];
  waitProgress(pred: (p: ProgressLine) => boolean, timeoutMs: number): Promise<ProgressLine>;
}

export function startMagnetar(
  args: readonly string[],
  logPath: string,
  env?: NodeJS.ProcessEnv,
): MagnetarRun {
  requireBuiltHost();
  const proc = spawnLogged(process.execPath, [MAGNETAR_BIN, ...args], { logPath, env: env ?? process.env });
  const progress = (): ProgressLine[] => {
    let text = '';
    try {
      text = readFileSync(logPath, 'utf8');
    } catch {
      return [];
    }
    const out: ProgressLine[] = [];
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as ProgressLine);
      } catch {
        // a line being written right now
      }
    }
    return out;
  };
  return Object.assign(Object.create(proc) as Proc, proc, {
    progress,
    waitProgress: (pred: (p: ProgressLine) => boolean, timeoutMs: number) =>
      waitFor(
        () => {
          if (proc.exitInfo()) throw new Error(`magnetar exited early: ${proc.log().slice(-2000)}`);
          return progress().find(pred);
        },
        timeoutMs,
        'magnetar progress',
        100,
      ),
  });
}
