// Coalesced progress for the extension (DESIGN §2, RELIABILITY N72): at most one snapshot per
// interval (≈1 s), only when something changed, split into pages so each frame stays < 1 MiB.
// `soon()` asks for an early one after a user action, still coalesced (one per SOON_DELAY_MS).
// When the output is congested (the browser reads slowly) a tick is skipped rather than queued:
// the next one carries the newer state anyway.

import type { TorrentSummary } from '../engine/api.ts';
import { PROTOCOL_VERSION, type SnapshotEvent, type TorrentInfo } from '../protocol/messages.ts';
import { clampTorrent, paginateByBytes } from './pages.ts';

export const SOON_DELAY_MS = 50;
/** Even an unchanged list is re-sent this often, so a view that missed a page heals itself. */
export const HEARTBEAT_MS = 15_000;

export interface PublisherOptions {
  readonly intervalMs: number;
  /** The current list, or null while no session is ready. */
  list(): readonly TorrentSummary[] | null;
  send(message: SnapshotEvent): void;
  congested(): boolean;
  now?(): number;
}

/** Builds the frames of one snapshot (pure; exported for the frame-size property tests). */
export function snapshotPages(seq: number, torrents: readonly TorrentInfo[]): SnapshotEvent[] {
  const pages = paginateByBytes(torrents.map(clampTorrent));
  return pages.map((page, i) => ({
    v: PROTOCOL_VERSION,
    type: 'snapshot',
    seq,
    page: i,
    pages: pages.length,
    total: torrents.length,
    torrents: page,
  }));
}

export class SnapshotPublisher {
  private timer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private lastKey: string | null = null;
  private lastSentAt = 0;
  private seq = 0;

  constructor(private readonly o: PublisherOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(false), this.o.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = null;
    this.soonTimer = null;
  }

  soon(): void {
    if (this.soonTimer || !this.timer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.tick(true);
    }, SOON_DELAY_MS);
    this.soonTimer.unref?.();
  }

  /** Sends a snapshot if the list changed (or `force`, or the heartbeat is due). */
  tick(force: boolean): void {
    const list = this.o.list();
    if (list === null || this.o.congested()) return;
    const now = this.o.now?.() ?? Date.now();
    const key = JSON.stringify(list);
    if (!force && key === this.lastKey && now - this.lastSentAt < HEARTBEAT_MS) return;
    this.lastKey = key;
    this.lastSentAt = now;
    this.seq++;
    for (const page of snapshotPages(this.seq, list as readonly TorrentInfo[])) this.o.send(page);
  }
}
