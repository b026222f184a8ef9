// The extension in Firefox ESR with the real host, registered by install-scripts/install-host.mjs
// into a temporary HOME: catching, the native-messaging round trip, one download to completion.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTorrent } from '../../native-host/src/metainfo/index.ts';
import { GECKO_ID } from '../../native-host/src/protocol/ids.ts';
import { waitFor } from '../helpers/procs.ts';
import { type Firefox, launchFirefox } from './support/firefox.ts';
import {
  ARTIFACTS,
  buildExtension,
  HOST_SCRIPT,
  hostRequests,
  installHost,
  type Site,
  Swarm,
  smallTorrent,
  startSite,
  waitForFile,
  writeJson,
} from './support/fixtures.ts';
import { pageHtml } from './support/pages.ts';

let root: string;
let ff: Firefox | null = null;
let site: Site;
let swarm: Swarm;
let mghome: string;
let torrentsDir: string;
let log: string;
const caught = new Map<string, string>();

/** Info-hashes the host has persisted (its torrent list lives in MAGNETAR_HOME/torrents). */
function stored(): string[] {
  const dir = join(mghome, 'torrents');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mg-e2e-firefox-'));
  mghome = join(root, 'mghome');
  torrentsDir = join(root, 'torrents');
  log = join(root, 'host.log');
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const env = { ...process.env, HOME: home, MAGNETAR_HOME: mghome, MAGNETAR_LOG: log };
  writeJson(join(mghome, 'settings.json'), {
    downloadRoot: torrentsDir,
    seedAfterDownload: true,
    maxPeers: 50,
  });
  const out = installHost(['--browser', 'firefox', '--host-script', HOST_SCRIPT], env);
  expect(out).toContain('register for Firefox');
  expect(existsSync(join(home, '.mozilla/native-messaging-hosts/com.magnetar.host.json'))).toBe(true);
  const ext = buildExtension('firefox', join(root, 'ext'), true);

  site = await startSite();
  for (const [n, path, type, disposition] of [
    ['a', '/a.torrent', 'application/x-bittorrent', undefined],
    ['b', '/b.torrent', 'application/octet-stream', undefined],
    ['c', '/dl?f=c', 'application/octet-stream', 'attachment; filename="c.torrent"'],
    ['d', '/get/d', 'application/x-bittorrent', undefined],
  ] as const) {
    const bytes = await smallTorrent(`ff-${n}`);
    caught.set(n, parseTorrent(bytes).infoHashHex);
    site.route(path, { body: bytes, type, ...(disposition ? { disposition } : {}) });
  }
  site.route('/zip.bin', { body: 'just a file', type: 'application/octet-stream' });
  swarm = await Swarm.start(root, [{ name: 'delta', size: 6 * 1024 * 1024, uploadLimit: '4M' }]);
  for (const t of swarm.torrents)
    site.route(`/swarm/${t.name}.torrent`, { body: t.torrentBytes, type: 'application/x-bittorrent' });
  site.route('/', { body: pageHtml(swarm.torrents.map((t) => t.name)), type: 'text/html' });
  site.route('/frame.html', { body: pageHtml([], 'frame'), type: 'text/html' });
  ff = await launchFirefox({
    profile: join(root, 'profile'),
    extension: ext,
    geckoId: GECKO_ID,
    downloadDir: join(root, 'dl'),
    env,
  });
}, 120_000);

afterAll(async () => {
  await ff?.close().catch(() => undefined);
  await site?.close();
  await swarm?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('Firefox ESR + real host', () => {
  it('native-messaging round trip from an extension page (and the popup renders)', async () => {
    const page = await ff!.browser.newPage();
    await page.goto(`${site.origin}/`);
    const popup = await ff!.openExtensionPage(page, 'popup');
    const times = await popup.evaluate(async () => {
      const b = (
        globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }
      ).browser;
      const out: number[] = [];
      let last: unknown = null;
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        last = await b.runtime.sendMessage({ kind: 'host', request: { type: 'hello' } });
        out.push(performance.now() - t0);
      }
      return { last, sorted: out.sort((x, y) => x - y) };
    });
    expect(times.last).toMatchObject({
      ok: true,
      result: { protocol: 1, settings: { downloadRoot: torrentsDir } },
    });
    console.info(
      `Firefox popup→host round trip (hello, 30 calls): median ${times.sorted[15]?.toFixed(1)} ms`,
    );
    await popup.close();
    await page.close();
  });

  it('catches .torrent downloads (MIME, extension, Content-Disposition, extension-less) and magnet clicks', async () => {
    const page = await ff!.browser.newPage();
    await page.goto(`${site.origin}/`);
    const magnets = hostRequests(log, 'add-magnet');
    for (const id of ['a', 'b', 'c', 'd', 'zip']) await page.click(`#${id}`);
    await page.click('#magnet');
    await waitFor(
      () => [...caught.values()].every((h) => stored().includes(h)),
      20_000,
      'four caught torrents stored by the host',
    );
    await waitFor(
      () => hostRequests(log, 'add-magnet') > magnets,
      10_000,
      'the magnet click reached the host',
    );
    expect(page.url()).toBe(`${site.origin}/`);
    await waitFor(
      () => existsSync(join(root, 'dl', 'zip.bin')),
      10_000,
      'the ordinary download completes in the browser',
    );
    await page.close();
  });

  it('a clicked torrent downloads to completion', async () => {
    const t = swarm.torrents[0]!;
    const page = await ff!.browser.newPage();
    await page.goto(`${site.origin}/`);
    const t0 = Date.now();
    await page.click('#swarm-delta');
    await waitForFile(join(torrentsDir, t.name), t.sha256, 90_000);
    console.info(`Firefox: delta (${t.size} bytes) complete ${Date.now() - t0} ms after the click`);
    const popup = await ff!.openExtensionPage(page, 'popup');
    await popup.setViewport({ width: 420, height: 400 });
    await waitFor(
      () =>
        popup.evaluate(() =>
          [...document.querySelectorAll('li.torrent')].some((li) => li.textContent?.includes('100%')),
        ),
      15_000,
      'the popup shows 100%',
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await popup.screenshot({ path: join(ARTIFACTS, 'popup-firefox.png') });
    await popup.close();
    await page.close();
  });
});
