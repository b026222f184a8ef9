// The background's view of the host's torrents, assembled from paged snapshots (a snapshot
// replaces the list only once all of its pages arrived) and patched by torrent events in between.

import type { HostEvent, SnapshotEvent, TorrentInfo } from '../../native-host/src/protocol/index.ts';

const ACTIVE = new Set(['checking', 'metadata', 'downloading']);

export class TorrentTable {
  private byId = new Map<string, TorrentInfo>();
  private building: { seq: number; got: Map<number, TorrentInfo[]>; pages: number } | null = null;

  list(): TorrentInfo[] {
    return [...this.byId.values()].sort((a, b) => b.addedAt - a.addedAt); // newest first
  }

  get size(): number {
    return this.byId.size;
  }

  /** Downloads in progress (the badge number). */
  activeCount(): number {
    let n = 0;
    for (const t of this.byId.values()) if (ACTIVE.has(t.state)) n++;
    return n;
  }

  /** Torrents that need the host running: downloading or seeding. */
  busyCount(): number {
    let n = 0;
    for (const t of this.byId.values()) if (ACTIVE.has(t.state) || t.state === 'seeding') n++;
    return n;
  }

  clear(): void {
    this.byId.clear();
    this.building = null;
  }

  /** Applies one host event; returns true if the list changed. */
  apply(e: HostEvent): boolean {
    switch (e.type) {
      case 'snapshot':
        return this.snapshotPage(e);
      case 'torrent-added':
      case 'torrent-done':
      case 'torrent-error':
        this.byId.set(e.torrent.id, e.torrent);
        return true;
      case 'torrent-removed':
        return this.byId.delete(e.torrentId);
    }
  }

  private snapshotPage(e: SnapshotEvent): boolean {
    if (!this.building || this.building.seq !== e.seq)
      this.building = { seq: e.seq, got: new Map(), pages: e.pages };
    this.building.got.set(e.page, e.torrents);
    if (this.building.got.size < this.building.pages) return false;
    const next = new Map<string, TorrentInfo>();
    for (let i = 0; i < this.building.pages; i++)
      for (const t of this.building.got.get(i) ?? []) next.set(t.id, t);
    this.byId = next;
    this.building = null;
    return true;
  }
}
