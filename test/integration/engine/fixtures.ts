// Shared set-up for engine integration tests: payloads on disk, torrents made by our creator, and
// in-process sessions that clean up after themselves.

import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionEvent, TorrentSummary } from '../../../native-host/src/engine/api.ts';
import { createSession, type Session, type SessionOptions } from '../../../native-host/src/engine/session.ts';
import { createTorrentFromPath } from '../../../native-host/src/metainfo/create-from-disk.ts';
import type { ValidatedTorrent } from '../../../native-host/src/metainfo/types.ts';
import { writePayloadFile, writePayloadTree } from '../../helpers/payload.ts';

export const sessions = new Set<Session>();

export async function session(opts: Partial<SessionOptions> & { downloadRoot: string }): Promise<Session> {
  // Every engine test also checks the swarm's invariants after each peer message (DESIGN rule 9).
  const s = await createSession({
    dataDir: null,
    port: 0,
    listenHost: '127.0.0.1',
    checkInvariants: true,
    ...opts,
  });
  sessions.add(s);
  return s;
}

/** Throws if any torrent of `s` saw a swarm invariant violation. */
export function assertInvariants(s: Session): void {
  for (const t of s.list()) {
    const v = s.torrent(t.id)?.invariantViolation;
    if (v) throw new Error(`swarm invariant violated in ${t.name}: ${v}`);
  }
}

export async function closeSessions(): Promise<void> {
  const all = [...sessions];
  sessions.clear();
  const violations: string[] = [];
  for (const s of all) {
    try {
      assertInvariants(s);
    } catch (e) {
      violations.push(String(e));
    }
  }
  await Promise.all(all.map((s) => s.close()));
  if (violations.length > 0) throw new Error(violations.join('\n'));
}

export interface Made {
  bytes: Uint8Array;
  torrent: ValidatedTorrent;
}

/** A single file of `size` bytes at dir/name, and its torrent. */
export async function singleFile(
  dir: string,
  name: string,
  size: number,
  pieceLength: number,
  announce: string[][] = [],
): Promise<Made> {
  mkdirSync(dir, { recursive: true });
  await writePayloadFile(join(dir, name), size, 7);
  return createTorrentFromPath(join(dir, name), { pieceLength, announce });
}

/** The default multi-file tree (nested folders, a zero-length file, a file smaller than a piece). */
export async function tree(
  dir: string,
  name: string,
  pieceLength: number,
  announce: string[][] = [],
): Promise<Made> {
  await writePayloadTree(join(dir, name), 3);
  return createTorrentFromPath(join(dir, name), { pieceLength, announce });
}

export function copyDir(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
}

/** Resolves with the torrent when it completes; rejects on a torrent error or after `ms`. */
export function whenDone(s: Session, id: string, ms: number): Promise<TorrentSummary> {
  return new Promise((resolve, reject) => {
    const existing = s.get(id);
    if (existing && existing.progress === 1 && existing.state !== 'checking') return resolve(existing);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`not done after ${ms} ms: ${JSON.stringify(s.get(id))}`));
    }, ms);
    const off = s.on((e: SessionEvent) => {
      if (e.type === 'torrent-done' && e.torrent.id === id) {
        clearTimeout(timer);
        off();
        resolve(e.torrent);
      } else if (e.type === 'torrent-error' && e.torrent.id === id) {
        clearTimeout(timer);
        off();
        reject(new Error(`torrent error: ${JSON.stringify(e.torrent.error)}`));
      }
    });
  });
}

/** Waits until the seeder's torrent has finished checking and is seeding. */
export async function seeding(s: Session, id: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (s.get(id)?.state === 'seeding') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`seeder not seeding after ${ms} ms: ${JSON.stringify(s.get(id))}`);
}
