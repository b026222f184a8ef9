// HTTP(S) tracker client (BEP 3). Every byte a tracker sends is bounded (RELIABILITY T22, T23):
// - a completion timeout and an idle (receive) timeout, so a 1 byte/s drip fails;
// - the body is counted while it streams and the request is destroyed past the cap, before and
//   after decompression (we ask for identity, but a gzip bomb sent anyway is cut at the cap);
// - redirects: at most MAX_HTTP_REDIRECTS, no loops, http(s) only, and no hop from a public host
//   into loopback/private/link-local space unless the path is an announce path (SSRF).

import zlib from 'node:zlib';
import { isMagnetarError, MagnetarError } from '../core/errors.ts';
import { concatBytes } from '../core/hex.ts';
import { isLocalHost } from '../core/ip.ts';
import { HTTP_TRACKER_TIMEOUT_MS, MAX_HTTP_REDIRECTS, MAX_TRACKER_BODY_BYTES } from '../core/limits.ts';
import { type HttpResponse, httpGet } from '../net/http.ts';
import { buildAnnounceUrl, parseAnnounceBody } from './http-codec.ts';
import { HTTP_TRACKER_IDLE_TIMEOUT_MS } from './policy.ts';
import type { AnnounceRequest, AnnounceResponse } from './types.ts';

export interface HttpTrackerOptions {
  /** Whole request, redirects included. */
  timeoutMs?: number;
  /** Longest silence while waiting for headers or body bytes. */
  idleTimeoutMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
}

export interface HttpBody {
  status: number;
  body: Uint8Array;
  /** The URL that answered, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// Re-exported for callers and tests that import it from here.
export { isLocalHost };

function checkRedirect(from: URL, to: URL): void {
  if (to.protocol !== 'http:' && to.protocol !== 'https:')
    throw new MagnetarError('TRACKER_UNSUPPORTED', `tracker redirected to a ${to.protocol} URL`, {
      url: to.href,
    });
  if (isLocalHost(to.hostname) && !isLocalHost(from.hostname) && !/\/announce(\.php)?$/.test(to.pathname))
    throw new MagnetarError('TRACKER_UNSUPPORTED', 'tracker redirected into a local network', {
      url: to.href,
    });
}

/** GETs a tracker URL with all the T22/T23 bounds; resolves with the status and the whole body. */
export async function fetchTrackerBody(
  url: string,
  opts: HttpTrackerOptions = {},
  signal?: AbortSignal,
): Promise<HttpBody> {
  const deadline = Date.now() + (opts.timeoutMs ?? HTTP_TRACKER_TIMEOUT_MS);
  const maxRedirects = opts.maxRedirects ?? MAX_HTTP_REDIRECTS;
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new MagnetarError('TRACKER_UNSUPPORTED', `not a URL: ${url.slice(0, 200)}`);
  }
  if (current.protocol !== 'http:' && current.protocol !== 'https:')
    throw new MagnetarError('TRACKER_UNSUPPORTED', `not an HTTP tracker: ${current.protocol}`);
  const visited = new Set<string>([current.href]);
  for (let hop = 0; ; hop++) {
    const r = await getOnce(current, deadline, opts, signal);
    if (!('location' in r)) return r;
    const next = new URL(r.location, current);
    checkRedirect(current, next);
    if (visited.has(next.href))
      throw new MagnetarError('TRACKER_BAD_RESPONSE', 'tracker redirect loop', { url: next.href });
    if (hop + 1 > maxRedirects)
      throw new MagnetarError('TRACKER_BAD_RESPONSE', `more than ${maxRedirects} tracker redirects`, {
        url: next.href,
      });
    visited.add(next.href);
    current = next;
  }
}

type Once = HttpBody | { location: string };

function getOnce(url: URL, deadline: number, opts: HttpTrackerOptions, signal?: AbortSignal): Promise<Once> {
  const cap = opts.maxBodyBytes ?? MAX_TRACKER_BODY_BYTES;
  const idleMs = opts.idleTimeoutMs ?? HTTP_TRACKER_IDLE_TIMEOUT_MS;
  return new Promise<Once>((resolve, reject) => {
    if (signal?.aborted) return reject(new MagnetarError('ABORTED', 'announce aborted'));
    let settled = false;
    const req = httpGet(url, {
      // Identity keeps the cap meaningful; decompression is handled anyway in case a server ignores it.
      'accept-encoding': 'identity',
      'user-agent': 'Magnetar/0.1',
      connection: 'close',
    });
    let res: HttpResponse | undefined;
    let inflater: zlib.Gunzip | zlib.Inflate | undefined;
    const total = setTimeout(
      () => fail(new MagnetarError('TRACKER_TIMEOUT', `tracker did not answer in time: ${url.host}`)),
      Math.max(0, deadline - Date.now()),
    );
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(
        () => fail(new MagnetarError('TRACKER_TIMEOUT', `tracker went silent: ${url.host}`)),
        idleMs,
      );
    };
    const onAbort = () => fail(new MagnetarError('ABORTED', 'announce aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    touch();

    function cleanup() {
      settled = true;
      clearTimeout(total);
      if (idle) clearTimeout(idle);
      signal?.removeEventListener('abort', onAbort);
      inflater?.destroy();
      res?.destroy();
      req.destroy();
    }
    function fail(e: unknown) {
      if (settled) return;
      cleanup();
      reject(
        isMagnetarError(e)
          ? e
          : new MagnetarError(
              'TRACKER_NETWORK',
              `tracker ${url.host}: ${(e as Error)?.message ?? String(e)}`,
            ),
      );
    }
    function done(v: Once) {
      if (settled) return;
      cleanup();
      resolve(v);
    }
    req.on('error', fail);
    req.on('response', (response) => {
      res = response;
      touch();
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete)
          fail(new MagnetarError('TRACKER_NETWORK', `tracker ${url.host} closed early`));
      });
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECTS.has(status) && location) return done({ location });
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > cap)
        return fail(tooLarge(cap, `declared ${declared} bytes`));
      const encoding = (response.headers['content-encoding'] ?? 'identity').toLowerCase();
      let source: NodeJS.ReadableStream = response;
      if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
        inflater = encoding === 'deflate' ? zlib.createInflate() : zlib.createGunzip();
        inflater.on('error', () => fail(new MagnetarError('TRACKER_BAD_RESPONSE', 'bad compressed body')));
        response.pipe(inflater);
        source = inflater;
      } else if (encoding !== 'identity') {
        return fail(new MagnetarError('TRACKER_BAD_RESPONSE', `unsupported content-encoding ${encoding}`));
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      let raw = 0;
      response.on('data', (c: Uint8Array) => {
        touch();
        raw += c.length;
        if (raw > cap) fail(tooLarge(cap, 'body'));
      });
      source.on('data', (c: Uint8Array) => {
        size += c.length;
        if (size > cap) return fail(tooLarge(cap, 'decoded body'));
        chunks.push(c);
      });
      source.on('end', () => done({ status, body: concatBytes(chunks), url: url.href }));
    });
  });
}

const tooLarge = (cap: number, what: string) =>
  new MagnetarError('TRACKER_BODY_TOO_LARGE', `tracker response over ${cap} bytes (${what})`, { cap });

/** One HTTP announce: builds the URL, fetches with all bounds, parses (TRACKER_* errors). */
export async function httpAnnounce(
  announceUrl: string,
  req: AnnounceRequest,
  opts: HttpTrackerOptions = {},
  signal?: AbortSignal,
): Promise<AnnounceResponse> {
  const r = await fetchTrackerBody(buildAnnounceUrl(announceUrl, req), opts, signal);
  if (r.status !== 200) {
    // Some trackers send a bencoded `failure reason` with a 4xx; prefer their words to the status.
    try {
      parseAnnounceBody(r.body);
    } catch (e) {
      if (isMagnetarError(e, 'TRACKER_FAILURE')) throw e;
    }
    throw new MagnetarError('TRACKER_HTTP_STATUS', `tracker answered HTTP ${r.status}`, { status: r.status });
  }
  return parseAnnounceBody(r.body);
}
