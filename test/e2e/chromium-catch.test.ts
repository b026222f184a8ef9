// The extension in Debian's Chromium with the real built host (recipes/browser-e2e.md): the host
// round trip, catching downloads, the popup's and options page's controls, the context menu,
// magnet clicks, and a second extension refused. One browser for the file; tests share it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/procs.ts';
import { ChromiumEnv, ID, MENU_ID } from './support/chromium-env.ts';
import { hostRequests, smallTorrent } from './support/fixtures.ts';
import { type HookResult, listTorrents, pageHtml } from './support/pages.ts';

const E = new ChromiumEnv();
const sw = () => E.sw();
const call = (b: Record<string, unknown>): Promise<HookResult> => E.call(b);

beforeAll(
  () =>
    E.setup('catch', async (site) => {
      const t = (n: string) => smallTorrent(`catch-${n}`);
      site.route('/a.torrent', { body: await t('a'), type: 'application/x-bittorrent' });
      site.route('/b.torrent', { body: await t('b'), type: 'application/octet-stream' });
      site.route('/dl?f=c', {
        body: await t('c'),
        type: 'application/octet-stream',
        disposition: 'attachment; filename="c.torrent"',
      });
      site.route('/get/d', { body: await t('d'), type: 'application/x-bittorrent' });
      site.route('/menu/e.torrent', { body: await t('e'), type: 'application/x-bittorrent' });
      site.route('/paste/p.torrent', { body: await t('p'), type: 'application/x-bittorrent' });
      site.route('/zip.bin', { body: 'just a file', type: 'application/octet-stream' });
      site.route('/bad.torrent', { body: 'this is not bencode', type: 'application/x-bittorrent' });
      site.route('/', { body: pageHtml([]), type: 'text/html' });
      site.route('/frame.html', { body: pageHtml([], 'frame'), type: 'text/html' });
    }),
  120_000,
);
afterAll(() => E.teardown());

describe('Chromium: catching and controls', () => {
  it('the service worker reaches the host registered by the installer (round-trip times measured)', async () => {
    const hello = await call({ type: 'hello' });
    expect(hello).toMatchObject({
      ok: true,
      result: { protocol: 1, settings: { downloadRoot: E.torrentsDir } },
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
    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
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
      () => downloads[0] && existsSync(join(E.downloadDir, 'zip.bin')),
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
      [MENU_ID, `${E.site.origin}/menu/e.torrent`] as const,
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
      [MENU_ID, 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567'] as const,
    );
    // A magnet from the menu reaches the host, which answers "not supported yet" (shown to the user).
    await waitFor(
      async () => (await E.notifications()).some((n) => n.title === 'Magnetar could not add the link'),
      10_000,
      'the menu magnet answered',
    );
  });

  it('a caught file the host rejects: failure notification, and the browser gets its download back', async () => {
    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
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
      () => existsSync(join(E.downloadDir, 'bad.torrent')),
      15_000,
      'the browser re-downloads the file',
    );
    await page.close();
  });

  it('popup: paste a URL or a magnet; pause, resume and remove with the buttons', async () => {
    const popup = await E.browser!.ctx.newPage();
    await popup.setViewportSize({ width: 420, height: 600 });
    await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
    await popup.fill('#add-input', `${E.site.origin}/paste/p.torrent`);
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

    // Names are attacker-chosen: rendered as text, never markup (RELIABILITY N77). The host's
    // sanitizer already rewrites < and > in file names, so feed the view a raw name directly.
    const evil = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>';
    const injected = await (await sw()).evaluate(
      ([name, id]) =>
        (
          globalThis as unknown as { __magnetar: { injectEvent(e: unknown): boolean } }
        ).__magnetar.injectEvent({
          v: 1,
          type: 'torrent-added',
          torrent: {
            id,
            name,
            size: 1,
            done: 0,
            progress: 0,
            state: 'error',
            error: { code: 'STORAGE_IO', message: name },
            downRate: 0,
            upRate: 0,
            downloaded: 0,
            uploaded: 0,
            peers: 0,
            seeds: 0,
            eta: null,
            pieces: 1,
            piecesDone: 0,
            fileCount: 1,
            savePath: '/x',
            addedAt: Date.now(),
            completedAt: null,
          },
        }),
      [evil, 'f'.repeat(40)] as const,
    );
    expect(injected).toBe(true);
    const evilRow = popup.locator('li.torrent[data-id="ffffffffffffffffffffffffffffffffffffffff"]');
    await expect.poll(() => evilRow.locator('.name').textContent(), { timeout: 5000 }).toBe(evil);
    expect(await evilRow.locator('.err').textContent()).toContain(evil);
    expect(await popup.locator('li.torrent img, li.torrent b').count()).toBe(0);
    expect(await popup.title()).toBe('Magnetar');

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
    const opts = await E.browser!.ctx.newPage();
    await opts.goto(`chrome-extension://${ID}/extension/options/index.html`);
    await expect
      .poll(() => opts.locator('#downloadRoot').inputValue(), { timeout: 10_000 })
      .toBe(E.torrentsDir);
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

    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
    const before = (await listTorrents(call)).length;
    await page.click('#a');
    await waitFor(
      () => existsSync(join(E.downloadDir, 'a.torrent')),
      10_000,
      'a.torrent saved by the browser',
    );
    expect((await listTorrents(call)).length).toBe(before);
    await opts.click('#catchDownloads'); // back on
    await opts.click('button[type=submit]');
    await expect.poll(() => opts.locator('#saved').textContent(), { timeout: 20_000 }).toBe('Saved.');
    await page.close();
    await opts.close();
  });

  it('magnet clicks (left and middle, top frame and iframe) reach the host; the page stays', async () => {
    const page = await E.browser!.ctx.newPage();
    await page.goto(`${E.site.origin}/`);
    const before = hostRequests(E.log, 'add-magnet');
    await page.click('#magnet');
    await page.click('#magnet', { button: 'middle' });
    await page.frameLocator('#frame').locator('#magnet').click();
    await waitFor(() => hostRequests(E.log, 'add-magnet') >= before + 3, 10_000, 'three add-magnet requests');
    expect(page.url()).toBe(`${E.site.origin}/`);
    const r = await call({
      type: 'add-magnet',
      uri: 'magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567',
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_SUPPORTED' } });
    await page.close();
  });

  it('a second extension is refused by the browser (allowed_origins names only ours)', async () => {
    const other = await waitFor(
      () => E.browser!.ctx.serviceWorkers().find((w) => !w.url().startsWith(`chrome-extension://${ID}/`)),
      10_000,
      'the intruder extension',
    );
    const r = await other.evaluate(() =>
      (globalThis as unknown as { tryHost(): Promise<unknown> }).tryHost(),
    );
    expect(r).toEqual({ error: 'Access to the specified native messaging host is forbidden.' });
  });
});
