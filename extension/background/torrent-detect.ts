// Is this download a .torrent? Pure (no extension APIs), so it is unit-tested in Node.

const TORRENT_MIME = 'application/x-bittorrent';

export interface DownloadLike {
  readonly id: number;
  readonly url: string;
  readonly finalUrl?: string;
  readonly filename?: string;
  readonly mime?: string;
}

export function looksLikeTorrent(i: DownloadLike): boolean {
  let path = '';
  try {
    path = new URL(i.finalUrl || i.url).pathname;
  } catch {
    // not a URL we can read: judge by the other fields
  }
  return /\.torrent$/i.test(path) || /\.torrent$/i.test(i.filename ?? '') || i.mime === TORRENT_MIME;
}
