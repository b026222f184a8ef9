// Firefox ESR via puppeteer-core over WebDriver BiDi (recipes/browser-e2e.md §7): a temporary
// add-on, native messaging through $HOME/.mozilla/native-messaging-hosts (HOME is a temp dir).

import { randomUUID } from 'node:crypto';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export interface FirefoxOptions {
  profile: string;
  extension: string;
  geckoId: string;
  downloadDir: string;
  env: NodeJS.ProcessEnv;
}

export interface Firefox {
  browser: Browser;
  /** moz-extension://UUID/ of our add-on (fixed by a pref, so tests can recognise its pages). */
  base: string;
  /** Asks the test build to open an extension page in a tab, and returns that tab. */
  openExtensionPage(from: Page, page: 'popup' | 'options'): Promise<Page>;
  close(): Promise<void>;
}

export async function launchFirefox(o: FirefoxOptions): Promise<Firefox> {
  const uuid = randomUUID();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: o.profile,
    env: o.env as Record<string, string>,
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [o.geckoId]: uuid }),
      'browser.download.dir': o.downloadDir,
      'browser.download.folderList': 2,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.manager.showWhenStarting': false,
      'browser.helperApps.neverAsk.saveToDisk': 'application/octet-stream,application/x-bittorrent',
    },
  });
  await browser.installExtension(o.extension);
  const base = `moz-extension://${uuid}/`;
  return {
    browser,
    base,
    async openExtensionPage(from, page) {
      const known = new Set(await browser.pages());
      await from.evaluate((p) => window.postMessage({ magnetarTestOpen: p }, '*'), page);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        for (const p of await browser.pages()) {
          if (known.has(p)) continue;
          const href = await p.evaluate(() => location.href).catch(() => '');
          if (href.startsWith(`${base}extension/${page}/`)) return p;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the ${page} page did not open`);
    },
    close: () => browser.close(),
  };
}
