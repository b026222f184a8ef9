// Catching .torrent downloads, all four ways a server sends one (recipes/browser-e2e.md §5):
// the application/x-bittorrent type, a .torrent URL, a Content-Disposition file name (seen only by
// Chrome's onDeterminingFilename), and an extension-less URL served as x-bittorrent. The browser's
// download is cancelled and erased, the bytes are re-fetched here and handed to the host.
// Ordinary downloads are never touched. A burst of downloads (a page auto-triggering hundreds,
// RELIABILITY N80) is bounded: past CATCH_BURST per minute, downloads are left to the browser.

import { browser, type Downloads } from '../lib/browser.ts';
import { isHttpUrl } from './fetch-torrent.ts';
import { type DownloadLike, looksLikeTorrent } from './torrent-detect.ts';

export const CATCH_BURST = 20;
const BURST_WINDOW_MS = 60_000;
const SEEN_TTL_MS = 5 * 60_000;

export interface CatcherDeps {
  enabled(): Promise<boolean>;
  /** Fetch the URL and hand it to the host; resolves when the host accepted it. */
  hand(url: string): Promise<void>;
  /** The hand-over failed after we cancelled the browser's download: tell the user. */
  failed(url: string, message: string): void;
}

export class Catcher {
  private readonly seen = new Map<number, number>();
  /** URLs we re-download through the browser after a failure: never catch those again. */
  private readonly bypass = new Set<string>();
  private recent: number[] = [];

  constructor(private readonly deps: CatcherDeps) {}

  /** downloads.onCreated (both browsers; Chrome's filename is still empty here). */
  onCreated(item: Downloads.DownloadItem): void {
    if (looksLikeTorrent(item)) void this.grab(item);
  }

  /** Chrome's downloads.onDeterminingFilename: the Content-Disposition name is known now. */
  onDeterminingFilename(item: DownloadLike, suggest: () => void): void {
    if (looksLikeTorrent(item)) void this.grab(item);
    suggest();
  }

  private async grab(item: DownloadLike): Promise<void> {
    const url = item.finalUrl || item.url;
    const now = Date.now();
    for (const [id, at] of this.seen) if (now - at > SEEN_TTL_MS) this.seen.delete(id);
    if (this.seen.has(item.id)) return; // both events fire for one download
    this.seen.set(item.id, now);
    if (!isHttpUrl(url) || this.bypass.delete(url)) return;
    if (!(await this.deps.enabled())) return;
    this.recent = this.recent.filter((t) => now - t < BURST_WINDOW_MS);
    if (this.recent.length >= CATCH_BURST) return;
    this.recent.push(now);
    await browser.downloads.cancel(item.id).catch(() => undefined);
    await browser.downloads.erase({ id: item.id }).catch(() => undefined);
    try {
      await this.deps.hand(url);
    } catch (e) {
      // Give the user their file back rather than losing it.
      this.bypass.add(url);
      void browser.downloads.download({ url }).catch(() => this.bypass.delete(url));
      this.deps.failed(url, (e as Error).message);
    }
  }
}
