// The extension and the real built host in Debian's Chromium (recipes/browser-e2e.md), with the
// host registered into the test profile by install-scripts/install-host.mjs. One browser for the
// file; tests run in order and share it (the last one closes and relaunches it).

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.ts';
import { type Chromium, launchChromium, stopServiceWorkers } from './support/chromium.ts';
import {
  ARTIFACTS,
  buildExtension,
  extensionId,
  HOST_SCRIPT,
  hostRequests,
  installHost,
  manyFilesTorrent,
  type Site,
  Swarm,
  smallTorrent,
  startSite,
  waitForFile,
  writeJson,
} from './support/fixtures.ts';
import {
  type HookResult,
  hostExits,
  hostMaxSnapshot,
  hostStarts,
  INTRUDER_BG,
  lastShutdownMs,
  listTorrents,
  pageHtml,
} from './support/pages.ts';

const ID = extensionId();
const MENU_ID = 'magnetar-download-link';
const EVIL = '<img src=x onerror=alert(1)>';
let root: string;
let browser: Chromium | null = null;
let site: Site;
let swarm: Swarm;
let env: NodeJS.ProcessEnv;
let ext: string;
let intruder: string;
let profile: string;
let torrentsDir: string;
let downloadDir: string;
let log: string;

async function launch(): Promise<Chromium> {
  browser = await launchChromium({ profile, extensions: [ext, intruder], downloadDir, env });
  return browser;
}

async function sw(): Promise<Worker> {
  if (!browser) throw new Error('no browser');
  return browser.worker(ID);
}

/** Calls the host through the background's namespaced test hook. */
async function call(body: Record<string, unknown>): Promise<HookResult> {
  return (await sw()).evaluate(
    (b) =>
      (
        globalThis as unknown as { __magnetar: { callHost(b: unknown): Promise<HookResult> } }
      ).__magnetar.callHost(b),
    body,
  );
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mg-e2e-chromium-'));
  profile = join(root, 'profile');
  torrentsDir = join(root, 'torrents');
  downloadDir = join(root, 'browser-downloads');
  log = join(root, 'host.log');
  const mghome = join(root, 'mghome');
  env = { ...process.env, HOME: join(root, 'home'), MAGNETAR_HOME: mghome, MAGNETAR_LOG: log };
  mkdirSync(join(root, 'home'), { recursive: true });
  writeJson(join(mghome, 'settings.json'), {
    downloadRoot: torrentsDir,
    seedAfterDownload: true,
    maxPeers: 50,
  });
  ext = buildExtension('chrome', join(root, 'ext'));
  intruder = join(root, 'intruder');
  mkdirSync(intruder);
  writeJson(join(intruder, 'manifest.json'), {
    manifest_version: 3,
    name: 'Intruder',
    version: '1.0',
    permissions: ['nativeMessaging'],
    background: { service_worker: 'bg.js' },
  });
  writeFileSync(join(intruder, 'bg.js'), INTRUDER_BG);
  const out = installHost(
    ['--browser', 'chromium', '--user-data-dir', profile, '--host-script', HOST_SCRIPT],
    env,
  );
  expect(out).toContain('register for Chromium');

  site = await startSite();
  for (const n of ['a', 'b', 'c', 'd', 'e']) {
    const bytes = await smallTorrent(`catch-${n}`);
    if (n === 'a') site.route('/a.torrent', { body: bytes, type: 'application/x-bittorrent' });
    if (n === 'b') site.route('/b.torrent', { body: bytes, type: 'application/octet-stream' });
    if (n === 'c')
      site.route('/dl?f=c', {
        body: bytes,
        type: 'application/octet-stream',
        disposition: 'attachment; filename="c.torrent"',
      });
    if (n === 'd') site.route('/get/d', { body: bytes, type: 'application/x-bittorrent' });
    if (n === 'e') site.route('/menu/e.torrent', { body: bytes, type: 'application/x-bittorrent' });
  }
  // A hostile name (RELIABILITY N77): must show as text in the popup, never as markup.
  site.route('/menu/evil.torrent', { body: await smallTorrent(EVIL), type: 'application/x-bittorrent' });
  site.route('/zip.bin', { body: 'just a file', type: 'application/octet-stream' });
  site.route('/bad.torrent', { body: 'this is not bencode', type: 'application/x-bittorrent' });
  site.route('/paste/p.torrent', { body: await smallTorrent('catch-p'), type: 'application/x-bittorrent' });
  swarm = await Swarm.start(root, [
    { name: 'alpha', size: 6 * 1024 * 1024, uploadLimit: '4M' },
    { name: 'beta', size: 20 * 1024 * 1024, uploadLimit: '2M' },
    { name: 'gamma', size: 20 * 1024 * 1024, uploadLimit: '2M' },
  ]);
  for (const t of swarm.torrents)
    site.route(`/swarm/${t.name}.torrent`, { body: t.torrentBytes, type: 'application/x-bittorrent' });
  site.route('/', { body: pageHtml(swarm.torrents.map((t) => t.name)), type: 'text/html' });
  site.route('/frame.html', { body: pageHtml([], 'frame'), type: 'text/html' });
  await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await site?.close();
  await swarm?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('Chromium + real host', () => {
  it('the service worker reaches the host registered by the installer (round-trip times measured)', async () => {
    const hello = await call({ type: 'hello' });
    expect(hello).toMatchObject({
      ok: true,
      result: { protocol: 1, settings: { downloadRoot: torrentsDir } },
    });
    const times = await (await sw()).evaluate(async () => {
      const h = (globalThis as unknown as { __magnetar: { callHost(b: unknown): Promise<unknown> } })
        .__magnetar;
      const out: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t0 = performance.now();
        await h.callHost({ type: 'list' });
        out.push(performance.now() - t0);
      }
      return out.sort((a, b) => a - b);
    });
    console.info(
      `NM round trip (list, 100 calls): median ${times[50]?.toFixed(2)} ms, p95 ${times[95]?.toFixed(2)} ms`,
    );
    expect(times[50]).toBeLessThan(50);
  });

  it('catches .torrent downloads all four ways; an ordinary download is left alone', async () => {
    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    for (const id of ['a', 'b', 'c', 'd', 'zip']) await page.click(`#${id}`);
    const names = await waitFor(
      async () => {
        const n = (await listTorrents(call)).map((t) => t.name);
        return ['catch-a.txt', 'catch-b.txt', 'catch-c.txt', 'catch-d.txt'].every((x) => n.includes(x)) && n;
      },
      20_000,
      'four caught torrents in the host',
    );
    expect(names).toHaveLength(4);
    const downloads = await (await sw()).evaluate(() => chrome.downloads.search({}));
    expect(downloads.map((d) => new URL(d.url).pathname)).toEqual(['/zip.bin']);
    await waitFor(
      () => downloads[0] && existsSync(join(downloadDir, 'zip.bin')),
      10_000,
      'zip.bin downloaded',
    );
    await page.close();
  });

  it('the context-menu entry exists and its handler hands a .torrent link to the host', async () => {
    const w = await sw();
    const err = await w.evaluate(
      (id) =>
        new Promise<string | null>((r) =>
          chrome.contextMenus.update(id, {}, () => r(chrome.runtime.lastError?.message ?? null)),
        ),
      MENU_ID,
    );
    expect(err).toBeNull();
    await w.evaluate(
      ([id, url]) =>
        (
          globalThis as unknown as { __magnetar: { menuClick(i: unknown): Promise<void> } }
        ).__magnetar.menuClick({
          menuItemId: id,
          linkUrl: url,
        }),
      [MENU_ID, `${site.origin}/menu/e.torrent`] as const,
    );
    expect((await listTorrents(call)).map((t) => t.name)).toContain('catch-e.txt');
    await w.evaluate(
      ([id, url]) =>
        (
          globalThis as unknown as { __magnetar: { menuClick(i: unknown): Promise<void> } }
        ).__magnetar.menuClick({
          menuItemId: id,
          linkUrl: url,
        }),
      [MENU_ID, `${site.origin}/menu/evil.torrent`] as const,
    );
    expect((await listTorrents(call)).some((t) => t.name.includes('onerror'))).toBe(true);
  });

  it('a caught file the host rejects: failure notification, and the browser gets its download back', async () => {
    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    await page.evaluate(() => {
      const a = document.createElement('a');
      a.id = 'bad';
      a.href = '/bad.torrent';
      a.textContent = 'bad';
      document.body.append(a);
    });
    await page.click('#bad');
    const w = await sw();
    await waitFor(
      () =>
        w.evaluate(() =>
          (
            globalThis as unknown as { __magnetar: { notifications: { title: string; message: string }[] } }
          ).__magnetar.notifications.find((n) => n.title === 'Magnetar could not add the torrent'),
        ),
      15_000,
      'a failure notification',
    );
    await waitFor(
      () => existsSync(join(downloadDir, 'bad.torrent')),
      15_000,
      'the browser re-downloads the file',
    );
    await page.close();
  });

  it('popup: paste a URL or a magnet; pause, resume and remove with the buttons', async () => {
    const popup = await browser!.ctx.newPage();
    await popup.setViewportSize({ width: 420, height: 600 });
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    await popup.fill('#add-input', `${site.origin}/paste/p.torrent`);
    await popup.press('#add-input', 'Enter');
    const row = popup.locator('li.torrent', { hasText: 'catch-p.txt' });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await popup.locator('#add-input').inputValue()).toBe('');
    await popup.fill('#add-input', 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567');
    await popup.click('form#add button');
    await expect
      .poll(() => popup.locator('#banner').textContent(), { timeout: 10_000 })
      .toContain('NOT_SUPPORTED');
    await popup.click('#banner'); // dismiss
    expect(await popup.locator('#banner').isHidden()).toBe(true);

    await row.locator('button.act-pause').click();
    await expect.poll(() => row.locator('.state').textContent(), { timeout: 10_000 }).toBe('Paused');
    await row.locator('button.act-resume').click();
    await expect.poll(() => row.locator('.state').textContent(), { timeout: 10_000 }).not.toBe('Paused');
    await row.locator('button.act-remove').click();
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    expect((await listTorrents(call)).some((t) => t.name === 'catch-p.txt')).toBe(false);
    await popup.close();
  });

  it('the options page edits host settings; turning catching off leaves .torrent downloads to the browser', async () => {
    const opts = await browser!.ctx.newPage();
    await opts.goto(`chrome-extension://${ID}/extension/options/index.html`);
    await expect
      .poll(() => opts.locator('#downloadRoot').inputValue(), { timeout: 10_000 })
      .toBe(torrentsDir);
    await opts.fill('#maxPeers', '40');
    await opts.click('#catchDownloads'); // off
    await opts.click('button[type=submit]');
    await expect.poll(() => opts.locator('#saved').textContent(), { timeout: 20_000 }).toContain('restarted');
    expect(await call({ type: 'get-settings' })).toMatchObject({
      ok: true,
      result: { settings: { maxPeers: 40 } },
    });
    const relative = await call({ type: 'set-settings', settings: { downloadRoot: 'relative/path' } });
    expect(relative).toMatchObject({ ok: false, error: { code: 'PATH_OUTSIDE_ROOT' } });

    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    const before = (await listTorrents(call)).length;
    await page.click('#a');
    await waitFor(() => existsSync(join(downloadDir, 'a.torrent')), 10_000, 'a.torrent saved by the browser');
    expect((await listTorrents(call)).length).toBe(before);
    await opts.click('#catchDownloads'); // back on
    await opts.click('button[type=submit]');
    await expect.poll(() => opts.locator('#saved').textContent(), { timeout: 20_000 }).toBe('Saved.');
    await page.close();
    await opts.close();
  });

  it('magnet clicks (left and middle, top frame and iframe) reach the host; the page stays', async () => {
    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    const before = hostRequests(log, 'add-magnet');
    await page.click('#magnet');
    await page.click('#magnet', { button: 'middle' });
    await page.frameLocator('#frame').locator('#magnet').click();
    await waitFor(() => hostRequests(log, 'add-magnet') >= before + 3, 10_000, 'three add-magnet requests');
    expect(page.url()).toBe(`${site.origin}/`);
    const r = await call({
      type: 'add-magnet',
      uri: 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567',
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
    await page.close();
  });

  it('a second extension is refused by the browser (allowed_origins names only ours)', async () => {
    const other = await waitFor(
      () => browser!.ctx.serviceWorkers().find((w) => !w.url().startsWith(`chrome-extension://${ID}/`)),
      10_000,
      'the intruder extension',
    );
    const r = await other.evaluate(() =>
      (globalThis as unknown as { tryHost(): Promise<unknown> }).tryHost(),
    );
    expect(r).toEqual({ error: 'Access to the specified native messaging host is forbidden.' });
  });

  it('a clicked torrent downloads to completion: file correct, browser download list clean, notified, popup at 100%', async () => {
    const t = swarm.torrents[0]!;
    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    const t0 = Date.now();
    await page.click(`#swarm-${t.name.replace('.bin', '')}`);
    await waitForFile(join(torrentsDir, t.name), t.sha256, 90_000);
    console.info(`alpha (${t.size} bytes): complete ${Date.now() - t0} ms after the click`);
    const w = await sw();
    const downloads = await w.evaluate(() => chrome.downloads.search({}));
    expect(downloads.some((d) => d.url.includes('/swarm/'))).toBe(false);
    await waitFor(
      () =>
        w.evaluate(() =>
          (
            globalThis as unknown as { __magnetar: { notifications: { title: string; message: string }[] } }
          ).__magnetar.notifications.some(
            (n) => n.title === 'Download complete' && n.message === 'alpha.bin',
          ),
        ),
      15_000,
      'a completion notification',
    );
    const popup = await browser!.ctx.newPage();
    await popup.setViewportSize({ width: 420, height: 560 });
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    const row = popup.locator('li.torrent', { hasText: 'alpha.bin' });
    await expect.poll(() => row.locator('.progress').textContent(), { timeout: 15_000 }).toBe('100%');
    const evilName = (await listTorrents(call)).find((x) => x.name.includes('onerror'))!.name;
    expect(await popup.locator('li.torrent .name').allTextContents()).toContain(evilName);
    expect(await popup.locator('li.torrent img').count()).toBe(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await popup.screenshot({ path: join(ARTIFACTS, 'popup-chromium.png') });
    await popup.close();
    await page.close();
  });

  it('the service worker stopped mid-download is woken and the download completes', async () => {
    const t = swarm.torrents[1]!;
    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    await page.click(`#swarm-beta`);
    await waitFor(
      async () => (await listTorrents(call)).find((x) => x.name === t.name && x.progress > 0.05),
      60_000,
      'beta partly downloaded',
      200,
    );
    const badge = await (await sw()).evaluate(() => chrome.action.getBadgeText({}));
    expect(Number(badge)).toBeGreaterThanOrEqual(1); // active downloads
    const exits = hostExits(log);
    const starts = hostStarts(log);
    await stopServiceWorkers(browser!.ctx, `chrome-extension://${ID}/extension/icons/icon-128.png`);
    await waitFor(() => hostExits(log) > exits, 10_000, 'the host exits after the port closed');
    console.info(
      `service worker stopped mid-download: host saved and exited ${lastShutdownMs(log)} ms after EOF`,
    );
    const mid = statSync(join(torrentsDir, t.name), { throwIfNoEntry: false });
    // Waking: an extension page talks to the background, which reconnects at start-up.
    const popup = await browser!.ctx.newPage();
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    await waitFor(() => hostStarts(log) > starts, 15_000, 'a new host started by the woken worker');
    await waitForFile(join(torrentsDir, t.name), t.sha256, 120_000);
    expect(mid).toBeDefined();
    // Resumed, not restarted: the new host fetched less than the whole payload.
    const after = (await listTorrents(call)).find((x) => x.name === t.name)!;
    expect(after.downloaded).toBeLessThan(t.size);
    await popup.close();
    await page.close();
  });

  it('the browser closed mid-download and relaunched resumes and completes', async () => {
    const t = swarm.torrents[2]!;
    const page = await browser!.ctx.newPage();
    await page.goto(`${site.origin}/`);
    await page.click(`#swarm-gamma`);
    await waitFor(
      async () =>
        (await listTorrents(call)).find((x) => x.name === t.name && x.progress > 0.05 && x.progress < 0.9),
      60_000,
      'gamma partly downloaded',
      200,
    );
    const exits = hostExits(log);
    await browser!.close();
    browser = null;
    await waitFor(() => hostExits(log) > exits, 10_000, 'the host exits when the browser closes');
    console.info(`browser closed mid-download: host saved and exited ${lastShutdownMs(log)} ms after EOF`);
    const starts = hostStarts(log);
    await launch();
    await waitFor(() => hostStarts(log) > starts, 20_000, 'the relaunched extension starts the host');
    await waitForFile(join(torrentsDir, t.name), t.sha256, 120_000);
    const done = (await listTorrents(call)).find((x) => x.name === t.name)!;
    expect(done.progress).toBe(1);
    expect(done.downloaded).toBeLessThan(t.size); // resumed from the saved state
  });
  it('stays fast and under 1 MiB per frame with 100 more torrents and a 10,000-file torrent', async () => {
    const w = await sw();
    for (let i = 0; i < 100; i++) {
      const data = Buffer.from(await smallTorrent(`bulk-${i}`)).toString('base64');
      const r = await call({ type: 'add-torrent', data });
      expect(r.ok).toBe(true);
    }
    const many = await manyFilesTorrent(10_000);
    const added = await call({ type: 'add-torrent', data: Buffer.from(many).toString('base64') });
    expect(added).toMatchObject({ ok: true });
    const id = (added as { result: { torrent: { id: string } } }).result.torrent.id;
    const paging = await w.evaluate(async (torrentId) => {
      const h = (
        globalThis as unknown as {
          __magnetar: { callHost(b: unknown): Promise<{ ok: boolean; result?: unknown }> };
        }
      ).__magnetar;
      let offset: number | null = 0;
      let files = 0;
      let pages = 0;
      const t0 = performance.now();
      while (offset !== null && pages < 50) {
        const r = await h.callHost({ type: 'files', torrentId, offset, limit: 5000 });
        if (!r.ok) return { error: r };
        const p = r.result as { files: unknown[]; nextOffset: number | null };
        files += p.files.length;
        offset = p.nextOffset;
        pages++;
      }
      return { files, pages, ms: performance.now() - t0 };
    }, id);
    expect(paging).toMatchObject({ files: 10_000 });
    const expected = (await listTorrents(call)).length;
    expect(expected).toBeGreaterThanOrEqual(101);
    const popup = await browser!.ctx.newPage();
    const t0 = Date.now();
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    await expect.poll(() => popup.locator('li.torrent').count(), { timeout: 20_000 }).toBe(expected);
    const renderMs = Date.now() - t0;
    const frame = await waitFor(() => hostMaxSnapshot(log), 10_000, 'a snapshot size in the host log');
    console.info(
      `${(await listTorrents(call)).length} torrents: popup listed them ${renderMs} ms after opening; ` +
        `10,000 files paged in ${(paging as { pages: number }).pages} requests, ${(paging as { ms: number }).ms.toFixed(0)} ms; ` +
        `largest host frame ${frame} bytes`,
    );
    expect(frame).toBeLessThanOrEqual(1024 * 1024);
    await popup.close();
  });
});
