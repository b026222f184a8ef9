// Fetches a .torrent named by a URL (the CLI argument, a URL pasted in the popup) (RELIABILITY N75, T23). Only http: and https:,
// at most MAX_HTTP_REDIRECTS hops, each hop re-checked, a body cap of MAX_TORRENT_FILE_BYTES enforced
// while streaming (Content-Length is only a hint), and a timeout on the whole exchange.
//
// Loopback and private addresses are allowed for the URL the user typed (our tests serve on
// 127.0.0.1, and a home NAS is a legitimate source), but a redirect from a public host to a
// loopback, private or link-local one is refused: that is the SSRF shape of T23.

import { MagnetarError } from '../core/errors.ts';
import { isLocalHost } from '../core/ip.ts';
import { MAX_HTTP_REDIRECTS, MAX_TORRENT_FILE_BYTES } from '../core/limits.ts';
import { readBodyCapped } from '../core/read-body.ts';

export const FETCH_TIMEOUT_MS = 30_000;

export function checkFetchUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new MagnetarError('FETCH_REFUSED', 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new MagnetarError('FETCH_REFUSED', `only http and https URLs are fetched, not ${url.protocol}`);
  return url;
}

/** Literal loopback / private / link-local hosts (no DNS: a name is judged as public). */

export type Fetcher = (url: string, signal?: AbortSignal) => Promise<Uint8Array>;

export const fetchTorrentUrl: Fetcher = async (raw, signal) => {
  let url = checkFetchUrl(raw);
  const startedLocal = isLocalHost(url.hostname);
  const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  const all = signal ? AbortSignal.any([signal, timeout]) : timeout;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, {
        redirect: 'manual',
        signal: all,
        headers: { accept: 'application/x-bittorrent, */*' },
      });
    } catch (e) {
      throw new MagnetarError('FETCH_FAILED', `fetch failed: ${(e as Error).message}`, { url: url.href });
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel();
      if (hop >= MAX_HTTP_REDIRECTS) throw new MagnetarError('FETCH_REFUSED', 'too many redirects');
      const next = checkFetchUrl(new URL(res.headers.get('location')!, url).href);
      if (!startedLocal && isLocalHost(next.hostname))
        throw new MagnetarError('FETCH_REFUSED', 'a redirect to a local address was refused');
      url = next;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new MagnetarError('FETCH_FAILED', `HTTP ${res.status}`, { url: url.href });
    }
    return readCapped(res, MAX_TORRENT_FILE_BYTES);
  }
};

async function readCapped(res: Response, cap: number): Promise<Uint8Array> {
  const body = await readBodyCapped(res, cap);
  if (!body) throw new MagnetarError('TORRENT_TOO_LARGE', `the file is over the ${cap}-byte limit`);
  return body;
}

export { isLocalHost };
