// RELIABILITY T26: an HTTPS tracker with a bad (self-signed) certificate is refused by default
// (libtorrent validate_https_trackers; qBittorrent CVE-2024-51774). The certificate is made per
// run with the openssl CLI into a temp dir, so no key material is committed.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { httpAnnounce } from '../../../native-host/src/tracker/http-client.ts';
import { runLogged } from '../../helpers/procs.ts';
import { makeTempDir } from '../../helpers/tmp.ts';
import { announceBody } from './fake-trackers.ts';

const tmp = makeTempDir('magnetar-tls-');
afterAll(() => tmp.cleanup());

test('T26 self-signed HTTPS tracker → TRACKER_NETWORK, the request never completes', async () => {
  const key = join(tmp.path, 'key.pem');
  const cert = join(tmp.path, 'cert.pem');
  const r = await runLogged(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { logPath: join(tmp.path, 'openssl.log'), timeoutMs: 30_000 },
  );
  expect(r.code, r.log).toBe(0);
  let served = 0;
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_q, res) => {
    served++;
    res.end(announceBody());
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const port = (server.address() as AddressInfo).port;
    const e = await httpAnnounce(`https://127.0.0.1:${port}/announce`, {
      infoHash: new Uint8Array(20),
      peerId: new Uint8Array(20),
      port: 1,
      uploaded: 0,
      downloaded: 0,
      left: 0,
      event: 'started',
      numWant: 1,
      key: 1,
    }).catch((x: unknown) => x);
    expect(isMagnetarError(e, 'TRACKER_NETWORK')).toBe(true);
    expect(served).toBe(0);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  }
});
