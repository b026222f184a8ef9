// Where a torrent comes from on the command line: a local .torrent file or an http(s) URL. URLs
// are fetched with a size cap, a timeout and a redirect limit; the bytes are untrusted input.

import { readFile, stat } from 'node:fs/promises';
import { MagnetarError } from '../core/errors.ts';
import { MAX_TORRENT_FILE_BYTES } from '../core/limits.ts';

const FETCH_TIMEOUT_MS = 30_000;

export async function loadTorrentBytes(source: string): Promise<Uint8Array> {
  if (/^magnet:/i.test(source)) {
    throw new MagnetarError(
      'NOT_SUPPORTED',
      'magnet links are not supported yet: pass a .torrent file or URL',
    );
  }
  if (/^https?:\/\//i.test(source)) return fetchTorrent(source);
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

async function fetchTorrent(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (e) {
    throw new MagnetarError(
      'FETCH_FAILED',
      `could not fetch ${url}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!res.ok) throw new MagnetarError('FETCH_FAILED', `${url} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_TORRENT_FILE_BYTES) {
    throw new MagnetarError(
      'TORRENT_TOO_LARGE',
      `${url} is ${declared} bytes; a .torrent may be at most ${MAX_TORRENT_FILE_BYTES}`,
    );
  }
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_TORRENT_FILE_BYTES) {
      await reader.cancel();
      throw new MagnetarError('TORRENT_TOO_LARGE', `${url} sent more than ${MAX_TORRENT_FILE_BYTES} bytes`);
    }
    parts.push(value);
  }
  return new Uint8Array(Buffer.concat(parts));
}
