// add-url fetching (RELIABILITY N75, T23): schemes, redirects, the body cap, loopback rules.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TORRENT_FILE_BYTES } from '../../../native-host/src/core/limits.ts';
import { checkFetchUrl, fetchTorrentUrl, isLocalHost } from '../../../native-host/src/net/fetch-torrent.ts';

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const u = req.url ?? '';
    if (u === '/ok') res.end('d4:infod4:name1:aee');
    else if (u === '/big') {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < 11; i++) res.write(chunk);
      res.end();
    } else if (u === '/big-announced')
      res.writeHead(200, { 'content-length': String(MAX_TORRENT_FILE_BYTES + 1) }).end();
    else if (u.startsWith('/hop/')) {
      const n = Number(u.slice(5));
      res.writeHead(302, { location: n > 0 ? `/hop/${n - 1}` : '/ok' }).end();
    } else if (u === '/to-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('fetchTorrentUrl', () => {
  it('fetches http from loopback (the URL the user typed)', async () => {
    expect(Buffer.from(await fetchTorrentUrl(`${base}/ok`)).toString()).toBe('d4:infod4:name1:aee');
  });
  it.each(['file:///etc/passwd', 'data:,x', 'chrome://settings', 'ftp://x/y', 'javascript:1', 'not a url'])(
    'refuses %s',
    async (u) => {
      expect(await code(fetchTorrentUrl(u))).toBe('FETCH_REFUSED');
    },
  );
  it('follows up to 5 redirects, refuses more and refuses a redirect to file:', async () => {
    expect((await fetchTorrentUrl(`${base}/hop/4`)).length).toBeGreaterThan(0);
    expect(await code(fetchTorrentUrl(`${base}/hop/6`))).toBe('FETCH_REFUSED');
    expect(await code(fetchTorrentUrl(`${base}/to-file`))).toBe('FETCH_REFUSED');
  });
  it('stops reading past 10 MB, announced or not', async () => {
    expect(await code(fetchTorrentUrl(`${base}/big`))).toBe('TORRENT_TOO_LARGE');
    expect(await code(fetchTorrentUrl(`${base}/big-announced`))).toBe('TORRENT_TOO_LARGE');
  });
  it('reports HTTP errors as FETCH_FAILED', async () => {
    expect(await code(fetchTorrentUrl(`${base}/missing`))).toBe('FETCH_FAILED');
  });
  it('classifies local hosts', () => {
    for (const h of [
      '127.0.0.1',
      'localhost',
      '10.1.2.3',
      '192.168.0.1',
      '172.16.0.1',
      '169.254.1.1',
      '[::1]',
      'a.localhost',
    ])
      expect(isLocalHost(h), h).toBe(true);
    for (const h of ['8.8.8.8', 'example.org', '172.32.0.1']) expect(isLocalHost(h), h).toBe(false);
    expect(checkFetchUrl('  https://example.org/a.torrent ').href).toBe('https://example.org/a.torrent');
  });
});
