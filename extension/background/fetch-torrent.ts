// Fetches a .torrent in the extension (so the site's cookies apply, unlike a fetch by the host)
// and encodes it for the add-torrent request. Only http(s), at most 10 MB, read in a bounded loop.

import { MAX_TORRENT_FILE_BYTES } from '../../native-host/src/core/limits.ts';
import { readBodyCapped } from '../../native-host/src/core/read-body.ts';

export class FetchError extends Error {
  constructor(
    readonly code: 'FETCH_REFUSED' | 'FETCH_FAILED' | 'TORRENT_TOO_LARGE',
    message: string,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export async function fetchTorrentBytes(url: string, timeoutMs = 30_000): Promise<Uint8Array> {
  if (!isHttpUrl(url)) throw new FetchError('FETCH_REFUSED', 'only http and https links are fetched');
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'include', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new FetchError('FETCH_FAILED', `could not fetch the torrent: ${(e as Error).message}`);
  }
  if (!res.ok) throw new FetchError('FETCH_FAILED', `the server answered HTTP ${res.status}`);
  const body = await readBodyCapped(res, MAX_TORRENT_FILE_BYTES);
  if (!body) throw new FetchError('TORRENT_TOO_LARGE', 'the .torrent file is over 10 MB');
  return body;
}

/** base64 in 32 KiB slices (String.fromCharCode(...big) overflows the stack). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
