// Tracker and web-seed URL lists: BEP 3 `announce`, BEP 12 `announce-list` tiers, BEP 19
// `url-list`, and magnet `tr=` (BEP 9). All of them are untrusted strings: we keep only the schemes
// we speak, trim whitespace (libtorrent `whitespace_url.torrent`), drop duplicates and cap the
// counts (Transmission CVE-2010-0749 was a flood of trackers).

import { type BDict, type BValue, isBytes, isList } from '../bencode/index.ts';
import { MAX_TRACKERS, MAX_URL_LENGTH, MAX_WEB_SEEDS } from '../core/limits.ts';
import { text } from './fields.ts';

// Re-exported: callers and tests import these from here.
export { MAX_TRACKERS, MAX_URL_LENGTH, MAX_WEB_SEEDS };

const TRACKER_SCHEMES = new Set(['http:', 'https:', 'udp:']);
const WEB_SEED_SCHEMES = new Set(['http:', 'https:']);

/** Returns the trimmed URL if it parses and uses one of `schemes`, else undefined. */
export function cleanUrl(raw: string, schemes: ReadonlySet<string> = TRACKER_SCHEMES): string | undefined {
  const s = raw.trim();
  if (s === '' || s.length > MAX_URL_LENGTH) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (!schemes.has(u.protocol) || u.hostname === '') return undefined;
  return s;
}

export function cleanTrackerUrl(raw: string): string | undefined {
  return cleanUrl(raw, TRACKER_SCHEMES);
}

/**
 * BEP 12: when `announce-list` is present and usable, it replaces `announce`. Tiers keep their order
 * (shuffling within a tier is the tracker client's job); empty tiers are dropped; a URL appears once.
 */
export function parseAnnounce(root: BDict): string[][] {
  const seen = new Set<string>();
  let count = 0;
  const take = (v: BValue | undefined): string | undefined => {
    if (!isBytes(v) || count >= MAX_TRACKERS) return undefined;
    const url = cleanTrackerUrl(text(v));
    if (url === undefined || seen.has(url)) return undefined;
    seen.add(url);
    count++;
    return url;
  };
  const tiers: string[][] = [];
  const list = root.get('announce-list');
  if (isList(list)) {
    for (const tier of list) {
      // Some writers put bare strings in announce-list instead of one-element tiers; accept them.
      const items = isList(tier) ? tier : [tier];
      const urls: string[] = [];
      for (const item of items) {
        const url = take(item);
        if (url !== undefined) urls.push(url);
      }
      if (urls.length > 0) tiers.push(urls);
    }
  }
  if (tiers.length === 0) {
    const url = take(root.get('announce'));
    if (url !== undefined) tiers.push([url]);
  }
  return tiers;
}

/** BEP 19 `url-list`: a list of URLs, or a single string (libtorrent accepts both, T28). */
export function parseUrlList(root: BDict): string[] {
  const v = root.get('url-list');
  const items = isList(v) ? v : v === undefined ? [] : [v];
  const out: string[] = [];
  for (const item of items) {
    if (out.length >= MAX_WEB_SEEDS) break;
    if (!isBytes(item)) continue;
    const url = cleanUrl(text(item), WEB_SEED_SCHEMES);
    if (url !== undefined && !out.includes(url)) out.push(url);
  }
  return out;
}
