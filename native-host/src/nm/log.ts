// The host's log: a file in the data folder (or MAGNETAR_LOG), never stdout, which carries frames
// only (RELIABILITY N78). Appends are synchronous so the last lines survive a kill; lines are
// short and rare (requests, errors, lifecycle), never per block.

import type { Logger } from '../core/log.ts';

export { type Logger, nullLogger } from '../core/log.ts';

import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Rotates at this size so a long-lived host can't fill the disk with its log. */
const MAX_LOG_BYTES = 5 * 1024 * 1024;

export function fileLogger(path: string): Logger {
  try {
    mkdirSync(dirname(path), { recursive: true });
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) renameSync(path, `${path}.1`);
  } catch {
    // A log we can't prepare must not stop the host; writes below fail silently too.
  }
  const write = (level: string, msg: string, data?: Record<string, unknown>) => {
    const line = `${new Date().toISOString()} ${level} [${process.pid}] ${msg}${data ? ` ${safeJson(data)}` : ''}\n`;
    try {
      appendFileSync(path, line);
    } catch {
      // Nowhere else to report it: stdout is the protocol channel.
    }
  };
  return {
    info: (m, d) => write('INFO', m, d),
    warn: (m, d) => write('WARN', m, d),
    error: (m, d) => write('ERROR', m, d),
  };
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
  } catch {
    return '[unserializable]';
  }
}
