// Downloads to completion in Debian's Chromium with the real built host, from a throttled aria2
// seeder behind opentracker: the popup at 100 %, the service worker stopped mid-download, the
// browser closed and relaunched mid-download, and 110 torrents plus a 10,000-file torrent.

import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.ts';
import { stopServiceWorkers } from './support/chromium.ts';
import { ChromiumEnv, ID } from './support/chromium-env.ts';
import { ARTIFACTS, manyFilesTorrent, Swarm, smallTorrent, waitForFile } from './support/fixtures.ts';
import {
  type HookResult,
  hostExits,
  hostMaxSnapshot,
  hostStarts,
  lastShutdownMs,
  listTorrents,
  pageHtml,
} from './support/pages.ts';

const EVIL = '<img src=x onerror=alert(1)>';
const E = new ChromiumEnv();
const sw = () => E.sw();
const call = (b: Record<string, unknown>): Promise<HookResult> => E.call(b);
let swarm: Swarm;

beforeAll(
  () =>
    E.setup('download', async (site) => {
      swarm = await Swarm.start(E.root, [
        { name: 'alpha', size: 6 * 1024 * 1024, uploadLimit: '4M' },
        { name: 'beta', size: 20 * 1024 * 1024, uploadLimit: '2M' },
        { name: 'gamma', size: 20 * 1024 * 1024, uploadLimit: '2M' },
      ]);
      for (const t of swarm.torrents)
        site.route(`/swarm/${t.name}.torrent`, { body: t.torrentBytes, type: 'application/x-bittorrent' });
      site.route('/', { body: pageHtml(swarm.torrents.map((t) => t.name)), type: 'text/html' });
      site.route('/frame.html', { body: pageHtml([], 'frame'), type: 'text/html' });
    }),
  120_000,
);
afterAll(async () => {
  await E.teardown();
  await swarm?.stop();
});

describe('Chromium: downloads to completion', () => {
  it('a clicked torrent downloads to completion: file correct, browser download list clean, notified, popup at 100%', async () => {
    const t = swarm.torrents[0]!;
    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
    const t0 = Date.now();
    await page.click(`#swarm-${t.name.replace('.bin', '')}`);
    await waitForFile(join(E.torrentsDir, t.name), t.sha256, 90_000);
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
    // A hostile name (RELIABILITY N77) must show as text in the popup, never as markup.
    const evil = Buffer.from(await smallTorrent(EVIL)).toString('base64');
    expect(await call({ type: 'add-torrent', data: evil })).toMatchObject({ ok: true });
    const popup = await E.browser!.ctx.newPage();
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
    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
    await page.click(`#swarm-beta`);
    await waitFor(
      async () => (await listTorrents(call)).find((x) => x.name === t.name && x.progress > 0.05),
      60_000,
      'beta partly downloaded',
      200,
    );
    const badge = await (await sw()).evaluate(() => chrome.action.getBadgeText({}));
    expect(Number(badge)).toBeGreaterThanOrEqual(1); // active downloads
    const exits = hostExits(E.log);
    const starts = hostStarts(E.log);
    await stopServiceWorkers(E.browser!.ctx, `chrome-extension://${ID}/extension/icons/icon-128.png`);
    await waitFor(() => hostExits(E.log) > exits, 10_000, 'the host exits after the port closed');
    console.info(
      `service worker stopped mid-download: host saved and exited ${lastShutdownMs(E.log)} ms after EOF`,
    );
    const mid = statSync(join(E.torrentsDir, t.name), { throwIfNoEntry: false });
    // Waking: an extension page talks to the background, which reconnects at start-up.
    const popup = await E.browser!.ctx.newPage();
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    await waitFor(() => hostStarts(E.log) > starts, 15_000, 'a new host started by the woken worker');
    await waitForFile(join(E.torrentsDir, t.name), t.sha256, 120_000);
    expect(mid).toBeDefined();
    // Resumed, not restarted: the new host fetched less than the whole payload.
    const after = (await listTorrents(call)).find((x) => x.name === t.name)!;
    expect(after.downloaded).toBeLessThan(t.size);
    await popup.close();
    await page.close();
  });

  it('the browser closed mid-download and relaunched resumes and completes', async () => {
    const t = swarm.torrents[2]!;
    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
    await page.click(`#swarm-gamma`);
    await waitFor(
      async () =>
        (await listTorrents(call)).find((x) => x.name === t.name && x.progress > 0.05 && x.progress < 0.9),
      60_000,
      'gamma partly downloaded',
      200,
    );
    const exits = hostExits(E.log);
    await E.closeBrowser();
    await waitFor(() => hostExits(E.log) > exits, 10_000, 'the host exits when the browser closes');
    console.info(`browser closed mid-download: host saved and exited ${lastShutdownMs(E.log)} ms after EOF`);
    const starts = hostStarts(E.log);
    await E.launch();
    await waitFor(() => hostStarts(E.log) > starts, 20_000, 'the relaunched extension starts the host');
    await waitForFile(join(E.torrentsDir, t.name), t.sha256, 120_000);
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
    const popup = await E.browser!.ctx.newPage();
    const t0 = Date.now();
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    await expect.poll(() => popup.locator('li.torrent').count(), { timeout: 20_000 }).toBe(expected);
    const renderMs = Date.now() - t0;
    const frame = await waitFor(() => hostMaxSnapshot(E.log), 10_000, 'a snapshot size in the host log');
    console.info(
      `${(await listTorrents(call)).length} torrents: popup listed them ${renderMs} ms after opening; ` +
        `10,000 files paged in ${(paging as { pages: number }).pages} requests, ${(paging as { ms: number }).ms.toFixed(0)} ms; ` +
        `largest host frame ${frame} bytes`,
    );
    expect(frame).toBeLessThanOrEqual(1024 * 1024);
    await popup.close();
  });
});
