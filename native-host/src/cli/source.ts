// Where a torrent comes from on the command line: a local .torrent file or an http(s) URL. URLs
// are fetched with a size cap, a timeout and a redirect limit; the bytes are untrusted input.

import { readFile, stat } from 'node:fs/promises';
import { MagnetarError } from '../core/errors.ts';
import { MAX_TORRENT_FILE_BYTES } from '../core/limits.ts';
import { fetchTorrentUrl } from '../net/fetch-torrent.ts';

export async function loadTorrentBytes(source: string): Promise<Uint8Array> {
  if (/^magnet:/i.test(source)) {
    throw new MagnetarError(
      'NOT_SUPPORTED',
      'magnet links are not supported yet: pass a .torrent file or URL',
    );
  }
  if (/^https?:\/\//i.test(source)) return fetchTorrentUrl(source);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new MagnetarError('FETCH_REFUSED', `only http(s) URLs can be fetched: ${source}`);
  }
  let size: number;
  try {
    size = (await stat(source)).size;
  } catch (e) {
    throw new MagnetarError(
      'NOT_FOUND',
      `cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  if (size > MAX_TORRENT_FILE_BYTES) {
    throw new MagnetarError(
      'TORRENT_TOO_LARGE',
      `${source} is ${size} bytes; a .torrent may be at most ${MAX_TORRENT_FILE_BYTES}`,
    );
  }
  return new Uint8Array(await readFile(source));
}
