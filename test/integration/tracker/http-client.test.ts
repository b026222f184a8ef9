// HTTP tracker client against fake trackers on 127.0.0.1 that misbehave. RELIABILITY items:
//   T21 HTML with status 200, `failure reason` (also with a 4xx), HTTP 500
//   T22 a 5 MB body (declared and chunked), a gzip bomb sent although we ask for identity,
//       a 1 byte/s drip (idle timeout), a steady trickle past the completion timeout
//   T23 redirect chains (≤ 5 hops ok, 6 refused), loops, `ftp:`/`file:` targets; isLocalHost table
//   T26 connection refused → TRACKER_NETWORK; AbortSignal → ABORTED
// Oracles: stable error codes (never message strings), no unhandled rejection, server closed.

import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { fetchTrackerBody, httpAnnounce, isLocalHost } from '../../../native-host/src/tracker/http-client.ts';
import type { AnnounceRequest } from '../../../native-host/src/tracker/types.ts';
import { freePort } from '../../helpers/ports.ts';
import { announceBody, type FakeHttp, queryParam, startFakeHttp } from './fake-trackers.ts';

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20).fill(1),
  peerId: new TextEncoder().encode('-MG0001-000000000000'),
  port: 6881,
  uploaded: 0,
  downloaded: 0,
  left: 10,
  event: 'started',
  numWant: 50,
  key: 1,
};

let server: FakeHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isMagnetarError(e)) return e.code;
    throw e;
  }
}

describe('HTTP announce', () => {
  test('sends the BEP 3 query, keeps the passkey, asks for identity; parses compact peers', async () => {
    server = await startFakeHttp((_q, res) => res.end(announceBody([['127.0.0.1', 7000]])));
    const r = await httpAnnounce(server.url('/announce?passkey=s3cret'), req);
    expect(r.peers).toEqual([{ host: '127.0.0.1', port: 7000 }]);
    const sent = server.requests[0]!;
    expect(queryParam(sent, 'passkey')).toBe('s3cret');
    expect(queryParam(sent, 'info_hash')).toBe('%01'.repeat(20));
    expect(queryParam(sent, 'event')).toBe('started');
    expect(server.lastHeaders?.['accept-encoding']).toBe('identity');
  });

  test('T21 failure reason → TRACKER_FAILURE carrying the text', async () => {
    server = await startFakeHttp((_q, res) => res.end('d14:failure reason20:unregistered torrente'));
    await expect(httpAnnounce(server.url(), req)).rejects.toMatchObject({
      code: 'TRACKER_FAILURE',
      message: 'unregistered torrent',
    });
  });

  test('T21 failure reason with HTTP 400 → TRACKER_FAILURE; HTTP 500 → TRACKER_HTTP_STATUS', async () => {
    server = await startFakeHttp((_q, res, n) => {
      res.statusCode = n === 1 ? 400 : 500;
      res.end(n === 1 ? 'd14:failure reason3:bade' : 'oops');
    });
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_FAILURE');
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_HTTP_STATUS');
  });

  test('T21 HTML with status 200 → TRACKER_BAD_RESPONSE', async () => {
    server = await startFakeHttp((_q, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><html><body>It works!</body></html>');
    });
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_BAD_RESPONSE');
  });

  test('a small gzip body sent although we asked for identity is still understood', async () => {
    server = await startFakeHttp((_q, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(announceBody([['10.0.0.2', 7001]])));
    });
    expect((await httpAnnounce(server.url(), req)).peers).toEqual([{ host: '10.0.0.2', port: 7001 }]);
  });
});

describe('T22 bounded bodies and time', () => {
  test('a 5 MB body with content-length → TRACKER_BODY_TOO_LARGE before reading it', async () => {
    server = await startFakeHttp((_q, res) => {
      res.setHeader('content-length', String(5_000_000));
      res.write(new Uint8Array(64 * 1024));
    });
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_BODY_TOO_LARGE');
  });

  test('a 5 MB chunked body (no length) → TRACKER_BODY_TOO_LARGE at the cap', async () => {
    server = await startFakeHttp((_q, res) => {
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 5_000_000) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_BODY_TOO_LARGE');
  });

  test('a gzip bomb (20 MB of zeros in ~20 KB) → TRACKER_BODY_TOO_LARGE, memory stays bounded', async () => {
    const bomb = gzipSync(new Uint8Array(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    server = await startFakeHttp((_q, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(bomb);
    });
    const before = process.memoryUsage().arrayBuffers;
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_BODY_TOO_LARGE');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10 * 1024 * 1024);
  });

  test('a 1 byte/s drip → TRACKER_TIMEOUT from the idle timeout', async () => {
    server = await startFakeHttp((_q, res) => {
      res.write('d');
      const t = setInterval(() => res.write('i'), 1000);
      res.on('close', () => clearInterval(t));
    });
    const r = fetchTrackerBody(server.url(), { idleTimeoutMs: 300, timeoutMs: 10_000 });
    expect(await codeOf(r)).toBe('TRACKER_TIMEOUT');
  });

  test('a trickle fast enough for the idle timeout still hits the completion timeout', async () => {
    server = await startFakeHttp((_q, res) => {
      const t = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(t));
    });
    const r = fetchTrackerBody(server.url(), { idleTimeoutMs: 300, timeoutMs: 600 });
    expect(await codeOf(r)).toBe('TRACKER_TIMEOUT');
  });

  test('headers that never come → TRACKER_TIMEOUT', async () => {
    server = await startFakeHttp(() => {});
    expect(await codeOf(fetchTrackerBody(server.url(), { idleTimeoutMs: 200 }))).toBe('TRACKER_TIMEOUT');
  });

  test('AbortSignal → ABORTED', async () => {
    server = await startFakeHttp(() => {});
    const ac = new AbortController();
    const p = httpAnnounce(server.url(), req, {}, ac.signal);
    setTimeout(() => ac.abort(), 50);
    expect(await codeOf(p)).toBe('ABORTED');
  });

  test('T26 connection refused → TRACKER_NETWORK', async () => {
    const port = await freePort();
    expect(await codeOf(httpAnnounce(`http://127.0.0.1:${port}/announce`, req))).toBe('TRACKER_NETWORK');
  });
});

describe('T23 redirects', () => {
  const hops = (n: number) =>
    startFakeHttp((q, res) => {
      const hop = Number(/\/hop(\d+)/.exec(q.url ?? '')?.[1] ?? 0);
      if (hop < n) {
        res.statusCode = 302;
        res.setHeader('location', `/hop${hop + 1}/announce?x=${hop}`);
        res.end();
      } else res.end(announceBody([['10.0.0.3', 7002]]));
    });

  test('5 hops are followed', async () => {
    server = await hops(5);
    expect((await httpAnnounce(server.url(), req)).peers).toHaveLength(1);
    expect(server.requests).toHaveLength(6);
  });

  test('6 hops → TRACKER_BAD_RESPONSE, and the 7th request is never made', async () => {
    server = await hops(6);
    expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_BAD_RESPONSE');
    expect(server.requests).toHaveLength(6);
  });

  test('a redirect loop → TRACKER_BAD_RESPONSE', async () => {
    server = await startFakeHttp((_q, res) => {
      res.statusCode = 301;
      res.setHeader('location', '/loop');
      res.end();
    });
    expect(await codeOf(fetchTrackerBody(server.url('/loop')))).toBe('TRACKER_BAD_RESPONSE');
    expect(server.requests.length).toBeLessThanOrEqual(2);
  });

  test.each(['ftp://127.0.0.1/x', 'file:///etc/passwd', 'gopher://127.0.0.1/', 'javascript:alert(1)'])(
    'redirect to %s → TRACKER_UNSUPPORTED, never followed',
    async (target) => {
      server = await startFakeHttp((_q, res) => {
        res.statusCode = 307;
        res.setHeader('location', target);
        res.end();
      });
      expect(await codeOf(httpAnnounce(server.url(), req))).toBe('TRACKER_UNSUPPORTED');
      expect(server.requests).toHaveLength(1);
    },
  );

  test('only http(s) announce URLs are fetched', async () => {
    expect(await codeOf(fetchTrackerBody('file:///etc/passwd'))).toBe('TRACKER_UNSUPPORTED');
    expect(await codeOf(fetchTrackerBody('not a url'))).toBe('TRACKER_UNSUPPORTED');
  });

  test.each([
    ['127.0.0.1', true],
    ['localhost', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['[::1]', true],
    ['[fe80::1]', true],
    ['[fd00::1]', true],
    ['[::ffff:127.0.0.1]', true],
    ['8.8.8.8', false],
    ['tracker.example.org', false],
    ['[2001:db8::1]', false],
  ])('isLocalHost(%s) = %s', (h, want) => {
    expect(isLocalHost(h)).toBe(want);
  });
});
