// Launching Debian's Chromium with the unpacked extension via playwright-core
// (recipes/browser-e2e.md §3): fixed id from the manifest key, downloads to a temp folder, and the
// browser's own download behaviour restored so onDeterminingFilename fires.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Worker } from 'playwright-core';

export interface ChromiumOptions {
  profile: string;
  /** Unpacked extension folders (ours first). */
  extensions: string[];
  downloadDir: string;
  env: NodeJS.ProcessEnv;
}

export interface Chromium {
  ctx: BrowserContext;
  /** The service worker of the extension with this id (waits for it). */
  worker(id: string, timeoutMs?: number): Promise<Worker>;
  close(): Promise<void>;
}

export async function launchChromium(o: ChromiumOptions): Promise<Chromium> {
  mkdirSync(join(o.profile, 'Default'), { recursive: true });
  mkdirSync(o.downloadDir, { recursive: true });
  writeFileSync(
    join(o.profile, 'Default', 'Preferences'),
    JSON.stringify({
      download: { default_directory: o.downloadDir, prompt_for_download: false, directory_upgrade: true },
    }),
  );
  const list = o.extensions.join(',');
  const ctx = await chromium.launchPersistentContext(o.profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    env: o.env as Record<string, string>,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${list}`,
      `--load-extension=${list}`,
    ],
  });
  // Playwright's own download handling bypasses onDeterminingFilename (recipe §5 pitfall).
  const cdp = await ctx.browser()?.newBrowserCDPSession();
  await cdp?.send('Browser.setDownloadBehavior', { behavior: 'default' });
  return {
    ctx,
    async worker(id, timeoutMs = 15_000) {
      const prefix = `chrome-extension://${id}/`;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const w = ctx.serviceWorkers().find((x) => x.url().startsWith(prefix));
        if (w) return w;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no service worker for ${id}`);
        await ctx.waitForEvent('serviceworker', { timeout: Math.min(left, 1000) }).catch(() => undefined);
      }
    },
    close: () => ctx.close(),
  };
}

/** Stops every service worker (as Chrome does after 30 s idle), via CDP on an extension page. */
export async function stopServiceWorkers(ctx: BrowserContext, extensionPageUrl: string): Promise<void> {
  const page = await ctx.newPage();
  try {
    await page.goto(extensionPageUrl); // a page with no script: it must not wake the worker itself
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
  } finally {
    await page.close();
  }
}
