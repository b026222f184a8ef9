// What the front ends (CLI, native-messaging host) see of the engine. Everything here is plain
// data that serializes to JSON, so the nm host can forward it to the extension as is.

import type { ErrorCode } from '../core/errors.ts';

export type TorrentState = 'checking' | 'metadata' | 'downloading' | 'seeding' | 'paused' | 'error';

export interface TorrentSummary {
  /** Info-hash in lowercase hex: the torrent's id everywhere. */
  readonly id: string;
  readonly name: string;
  /** Payload bytes (without padding files). */
  readonly size: number;
  /** Verified bytes on disk. */
  readonly done: number;
  /** 0..1 */
  readonly progress: number;
  readonly state: TorrentState;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
  /** Bytes per second, averaged over a few seconds. */
  readonly downRate: number;
  readonly upRate: number;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly peers: number;
  readonly seeds: number;
  /** Seconds to completion at the current rate; null when unknown or complete. */
  readonly eta: number | null;
  readonly pieces: number;
  readonly piecesDone: number;
  readonly fileCount: number;
  /** Absolute folder the payload is saved under. */
  readonly savePath: string;
  readonly addedAt: number;
  readonly completedAt: number | null;
}

export interface FileSummary {
  readonly index: number;
  /** Path relative to the save folder, '/'-separated. */
  readonly path: string;
  readonly size: number;
  readonly done: number;
}

export interface AddOptions {
  /** Folder to save into; must resolve inside the session's download root. */
  readonly savePath?: string;
  readonly paused?: boolean;
  /** Stop after the download completes instead of seeding (CLI `download`). */
  readonly seed?: boolean;
}

export type SessionEvent =
  | { readonly type: 'torrent-added'; readonly torrent: TorrentSummary }
  | { readonly type: 'torrent-done'; readonly torrent: TorrentSummary }
  | { readonly type: 'torrent-error'; readonly torrent: TorrentSummary }
  | { readonly type: 'torrent-removed'; readonly id: string };

export interface SessionApi {
  addTorrentFile(bytes: Uint8Array, opts?: AddOptions): Promise<TorrentSummary>;
  /** Rejects with NOT_SUPPORTED until magnet metadata (BEP 9) lands. */
  addMagnet(uri: string, opts?: AddOptions): Promise<TorrentSummary>;
  list(): TorrentSummary[];
  get(id: string): TorrentSummary | undefined;
  files(id: string, offset: number, limit: number): { total: number; files: FileSummary[] };
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  remove(id: string, opts: { deleteData: boolean }): Promise<void>;
  on(listener: (e: SessionEvent) => void): () => void;
  close(): Promise<void>;
}
