// Child processes for tests (reference peers, trackers, our CLI), per recipes/reference-peers.md:
// output to a log file, stdin from /dev/null, and cleanup by exact PID — never by name.
//
//   const p = spawnLogged('aria2c', [...], { logPath: join(dir, 'aria2.log') });
//   afterAll(() => stopAll());          // or: await p.stop()
//   await waitFor(() => fileExists(x), 10_000, 'x appears');
//
// Every spawned process is remembered in a registry until it exits; `stopAll()` ends the ones
// still alive (SIGTERM, then SIGKILL after 3 s) and waits for their exit.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Proc {
  readonly pid: number;
  readonly name: string;
  readonly logPath: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Exit info once exited, else undefined. */
  exitInfo(): ExitInfo | undefined;
  /** SIGTERM to this PID, SIGKILL after `graceMs` (3 s); resolves after exit. Idempotent. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** The log so far (empty if unreadable). */
  log(): string;
}

export interface SpawnOptions {
  logPath: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const registry = new Set<Proc>();

// Safety net for scripts and crashed test files that never call stopAll(): on a normal exit of
// this process, signal every child still registered (by its PID). A SIGKILLed test process can't
// run this; aria2 children also carry --stop-with-process for that case.
process.once('exit', () => {
  for (const p of registry) if (!p.exitInfo() && p.pid > 0) sendSignal(p.pid, 'SIGTERM');
});

/** Spawns `cmd args` with stdout+stderr appended to `logPath` and stdin from /dev/null. */
export function spawnLogged(cmd: string, args: readonly string[], opts: SpawnOptions): Proc {
  const fd = openSync(opts.logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
    // spawn failure (ENOENT): 'error' without 'exit'
    child.once('error', () => {
      info ??= { code: -1, signal: null };
      resolve(info);
    });
  });
  const pid = child.pid ?? -1;
  let stopping: Promise<ExitInfo> | undefined;
  const proc: Proc = {
    pid,
    name: cmd,
    logPath: opts.logPath,
    exited,
    exitInfo: () => info,
    stop(graceMs = 3000) {
      stopping ??= (async () => {
        if (info || pid < 0) return exited;
        sendSignal(pid, 'SIGTERM');
        let timer: ReturnType<typeof setTimeout> | undefined;
        const killed = new Promise<void>((r) => {
          timer = setTimeout(() => {
            if (!info) sendSignal(pid, 'SIGKILL');
            r();
          }, graceMs);
        });
        await Promise.race([exited, killed]);
        clearTimeout(timer);
        return exited;
      })();
      return stopping;
    },
    log() {
      try {
        return readFileSync(opts.logPath, 'utf8');
      } catch {
        return '';
      }
    },
  };
  registry.add(proc);
  void exited.then(() => registry.delete(proc));
  return proc;
}

function sendSignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (ESRCH)
  }
}

/** Stops every process spawned by this module that is still running. Call it in afterAll/afterEach. */
export async function stopAll(): Promise<void> {
  await Promise.all([...registry].map((p) => p.stop()));
}

/** PIDs still alive from spawnLogged (for leak assertions). */
export function livePids(): number[] {
  return [...registry].filter((p) => !p.exitInfo()).map((p) => p.pid);
}

/** Thrown inside a `waitFor` callback to stop waiting at once (e.g. the child exited). */
export class GiveUp extends Error {}

/**
 * Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (throws with
 * `what`). `fn` may be async; a throw counts as "not yet", except `GiveUp`, which is rethrown.
 * Bounded: at most timeoutMs/intervalMs polls.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what = 'condition',
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      const why = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs a command to completion with a hard timeout (killed by PID); resolves with its exit and log. */
export async function runLogged(
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions & { timeoutMs: number },
): Promise<ExitInfo & { log: string; timedOut: boolean }> {
  const p = spawnLogged(cmd, args, opts);
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((r) => {
    timer = setTimeout(() => {
      timedOut = true;
      r();
    }, opts.timeoutMs);
  });
  await Promise.race([p.exited, timeout]);
  clearTimeout(timer);
  const info = timedOut ? await p.stop() : await p.exited;
  return { ...info, log: p.log(), timedOut };
}
