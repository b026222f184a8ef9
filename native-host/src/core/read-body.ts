// Reading an HTTP body up to a cap, shared by the host's and the extension's .torrent fetchers.
// Pure web APIs (Response, ReadableStream), so it runs in Node and in a service worker alike.
// Content-Length is only a hint: the cap is enforced on the bytes as they stream in.

import { concatBytes } from './hex.ts';

/** The body's bytes, or null as soon as it is known to exceed `cap` (the stream is cancelled). */
export async function readBodyCapped(res: Response, cap: number): Promise<Uint8Array | null> {
  if (Number(res.headers.get('content-length') ?? '0') > cap) {
    await res.body?.cancel();
    return null;
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  return concatBytes(parts);
}
