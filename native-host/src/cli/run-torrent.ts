// Shared by `download` and `seed`: one session, one torrent, progress once a second, and a clean
// stop on Ctrl-C or SIGTERM (trackers hear `stopped`, files are closed, resume state is saved).

import { describeError, MagnetarError } from '../core/errors.ts';
import type { TorrentSummary } from '../engine/api.ts';
import { createSession, type Session } from '../engine/session.ts';
import { makeProgress, type ProgressMode } from './progress.ts';

export interface RunTorrentOptions {
  readonly bytes: Uint8Array;
  readonly dir: string;
  readonly port: number;
  readonly seed: boolean;
  readonly mode: ProgressMode;
  readonly label: string;
  readonly peers: readonly { host: string; port: number }[];
  readonly maxPeers?: number;
  /** Called once the session listens (the demo needs the seeder's port). */
  readonly onReady?: (session: Session, torrent: TorrentSummary) => void;
  /** Resolves to stop the run early (besides signals). */
  readonly stop?: Promise<void>;
  /** Exit once the download completes even when seeding was asked (tests, demo leecher). */
  readonly exitOnDone?: boolean;
  readonly installSignalHandlers?: boolean;
}

export type RunOutcome =
  | { readonly kind: 'done'; readonly torrent: TorrentSummary }
  | { readonly kind: 'stopped'; readonly torrent: TorrentSummary | undefined }
  | { readonly kind: 'error'; readonly error: MagnetarError; readonly torrent: TorrentSummary | undefined };

export async function runTorrent(o: RunTorrentOptions): Promise<RunOutcome> {
  const session = await createSession({
    downloadRoot: o.dir,
    dataDir: null,
    port: o.port,
    extraPeers: o.peers,
    maxPeers: o.maxPeers,
    seedAfterDownload: o.seed,
  });
  const progress = makeProgress(o.mode, o.label);
  let id = '';
  let timer: NodeJS.Timeout | null = null;
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  let onSignal: (() => void) | null = null;
  try {
    const outcome = await new Promise<RunOutcome>((resolve) => {
      const off = session.on((e) => {
        if (e.type === 'torrent-done' && e.torrent.id === id && (!o.seed || o.exitOnDone)) {
          resolve({ kind: 'done', torrent: e.torrent });
        } else if (e.type === 'torrent-error' && e.torrent.id === id) {
          const err = e.torrent.error;
          resolve({
            kind: 'error',
            error: new MagnetarError(err?.code ?? 'STORAGE_IO', err?.message ?? 'the torrent failed'),
            torrent: e.torrent,
          });
        }
      });
      onSignal = () => resolve({ kind: 'stopped', torrent: session.get(id) });
      if (o.installSignalHandlers !== false) for (const s of signals) process.once(s, onSignal);
      void o.stop?.then(() => resolve({ kind: 'stopped', torrent: session.get(id) }));
      session
        .addTorrentFile(o.bytes, { seed: o.seed, savePath: '' })
        .then((t) => {
          id = t.id;
          o.onReady?.(session, t);
          progress.update(t);
          timer = setInterval(() => {
            const s = session.get(id);
            if (s) progress.update(s);
          }, 1000);
          // A torrent already complete on disk finishes during add, before `id` was known.
          const now = session.get(id);
          if (now && now.state === 'seeding' && now.progress === 1 && (!o.seed || o.exitOnDone)) {
            resolve({ kind: 'done', torrent: now });
          }
        })
        .catch((e: unknown) => {
          off();
          resolve({
            kind: 'error',
            error: e instanceof MagnetarError ? e : new MagnetarError('BAD_REQUEST', describeError(e)),
            torrent: undefined,
          });
        });
    });
    if (timer) clearInterval(timer);
    const final = id ? session.get(id) : undefined;
    progress.stop(final);
    return outcome.kind === 'done' && final ? { kind: 'done', torrent: final } : outcome;
  } finally {
    if (timer) clearInterval(timer);
    if (onSignal) for (const s of signals) process.removeListener(s, onSignal);
    await session.close();
  }
}
