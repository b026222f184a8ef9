// The extension's side of the protocol, in plain Node: assembling paged snapshots, and deciding
// which downloads are torrents (the four ways a server sends one).

import { describe, expect, it } from 'vitest';
import { looksLikeTorrent } from '../../../extension/background/torrent-detect.ts';
import { TorrentTable } from '../../../extension/background/torrents.ts';
import { formatBytes, formatEta, formatPercent } from '../../../extension/lib/format.ts';
import type { SnapshotEvent, TorrentInfo } from '../../../native-host/src/protocol/index.ts';
import { summary } from '../nm/support.ts';

const t = (i: number, over: Partial<TorrentInfo> = {}) =>
  ({ ...summary(i), addedAt: i, ...over }) as TorrentInfo;
const snap = (seq: number, page: number, pages: number, torrents: TorrentInfo[]): SnapshotEvent => ({
  v: 1,
  type: 'snapshot',
  seq,
  page,
  pages,
  total: 0,
  torrents,
});

describe('TorrentTable', () => {
  it('replaces the list only when every page of a snapshot arrived', () => {
    const table = new TorrentTable();
    table.apply(snap(1, 0, 1, [t(1)]));
    expect(table.list().map((x) => x.addedAt)).toEqual([1]);
    expect(table.apply(snap(2, 1, 2, [t(3)]))).toBe(false);
    expect(table.list()).toHaveLength(1);
    expect(table.apply(snap(2, 0, 2, [t(2)]))).toBe(true);
    expect(table.list().map((x) => x.addedAt)).toEqual([3, 2]);
  });

  it('a newer snapshot abandons an incomplete older one', () => {
    const table = new TorrentTable();
    table.apply(snap(5, 0, 2, [t(1)]));
    table.apply(snap(6, 0, 1, [t(9)]));
    expect(table.list().map((x) => x.addedAt)).toEqual([9]);
  });

  it('applies events in between and counts active downloads for the badge', () => {
    const table = new TorrentTable();
    table.apply({ v: 1, type: 'torrent-added', torrent: t(1) });
    table.apply({ v: 1, type: 'torrent-added', torrent: t(2, { state: 'seeding' }) });
    table.apply({ v: 1, type: 'torrent-added', torrent: t(3, { state: 'paused' }) });
    expect(table.activeCount()).toBe(1);
    expect(table.busyCount()).toBe(2);
    table.apply({ v: 1, type: 'torrent-removed', torrentId: t(1).id });
    expect(table.activeCount()).toBe(0);
  });
});

describe('looksLikeTorrent', () => {
  it.each([
    [{ id: 1, url: 'http://x/a.torrent', mime: 'application/octet-stream' }, true],
    [{ id: 1, url: 'http://x/a.TORRENT?x=1' }, true],
    [{ id: 1, url: 'http://x/get/d', mime: 'application/x-bittorrent' }, true],
    [{ id: 1, url: 'http://x/dl?f=c', filename: 'c.torrent', mime: 'application/octet-stream' }, true],
    [{ id: 1, url: 'http://x/dl?f=c', filename: '/home/u/Downloads/c.torrent' }, true],
    [{ id: 1, url: 'http://x/zip.bin', mime: 'application/octet-stream', filename: 'zip.bin' }, false],
    [{ id: 1, url: 'http://x/a.torrent.zip' }, false],
    [{ id: 1, url: 'http://x/?q=a.torrent' }, false],
  ])('%j → %s', (item, want) => {
    expect(looksLikeTorrent(item)).toBe(want);
  });
});

describe('format', () => {
  it('formats sizes, ETAs and percentages for the popup', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(6 * 1024 * 1024)).toBe('6.0 MiB');
    expect(formatEta(null)).toBe('∞');
    expect(formatEta(75)).toBe('1m 15s');
    expect(formatPercent(0.9999)).toBe('99.9%');
    expect(formatPercent(1)).toBe('100%');
  });
});
