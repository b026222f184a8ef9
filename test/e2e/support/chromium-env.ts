// One Chromium test environment per test file: temp folders, the extension built, the host
// registered into the profile by install-scripts/install-host.mjs, a settings file pointing the
// download root into the temp folder, a loopback site, a second ("intruder") extension, and
// helpers to reach the background's namespaced test hook.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'playwright-core';
import { type Chromium, launchChromium } from './chromium.ts';
import {
  buildExtension,
  extensionId,
  HOST_SCRIPT,
  installHost,
  type Site,
  startSite,
  writeJson,
} from './fixtures.ts';
import { type HookResult, INTRUDER_BG } from './pages.ts';

export const ID = extensionId();
export const MENU_ID = 'magnetar-download-link';

export class ChromiumEnv {
  root = '';
  profile = '';
  torrentsDir = '';
  downloadDir = '';
  log = '';
  env: NodeJS.ProcessEnv = {};
  site!: Site;
  browser: Chromium | null = null;
  private ext = '';
  private intruder = '';

  /** Folders, build, registration, site; `routes` adds the file's pages before the browser starts. */
  async setup(name: string, routes: (site: Site) => Promise<void>): Promise<void> {
    this.root = mkdtempSync(join(tmpdir(), `mg-e2e-${name}-`));
    this.profile = join(this.root, 'profile');
    this.torrentsDir = join(this.root, 'torrents');
    this.downloadDir = join(this.root, 'browser-downloads');
    this.log = join(this.root, 'host.log');
    const mghome = join(this.root, 'mghome');
    this.env = {
      ...process.env,
      HOME: join(this.root, 'home'),
      MAGNETAR_HOME: mghome,
      MAGNETAR_LOG: this.log,
    };
    mkdirSync(join(this.root, 'home'), { recursive: true });
    writeJson(join(mghome, 'settings.json'), {
      downloadRoot: this.torrentsDir,
      seedAfterDownload: true,
      maxPeers: 50,
    });
    this.ext = buildExtension('chrome', join(this.root, 'ext'));
    this.intruder = join(this.root, 'intruder');
    mkdirSync(this.intruder);
    writeJson(join(this.intruder, 'manifest.json'), {
      manifest_version: 3,
      name: 'Intruder',
      version: '1.0',
      permissions: ['nativeMessaging'],
      background: { service_worker: 'bg.js' },
    });
    writeFileSync(join(this.intruder, 'bg.js'), INTRUDER_BG);
    const out = installHost(
      ['--browser', 'chromium', '--user-data-dir', this.profile, '--host-script', HOST_SCRIPT],
      this.env,
    );
    if (!out.includes('register for Chromium')) throw new Error(`installer: ${out}`);
    this.site = await startSite();
    await routes(this.site);
    await this.launch();
  }

  async launch(): Promise<Chromium> {
    this.browser = await launchChromium({
      profile: this.profile,
      extensions: [this.ext, this.intruder],
      downloadDir: this.downloadDir,
      env: this.env,
    });
    return this.browser;
  }

  async closeBrowser(): Promise<void> {
    const b = this.browser;
    this.browser = null;
    await b?.close();
  }

  /** Our service worker (a new one after a restart). */
  sw(): Promise<Worker> {
    if (!this.browser) throw new Error('no browser');
    return this.browser.worker(ID);
  }

  /** Calls the host through the background's namespaced test hook. */
  async call(body: Record<string, unknown>): Promise<HookResult> {
    return (await this.sw()).evaluate(
      (b) =>
        (
          globalThis as unknown as { __magnetar: { callHost(b: unknown): Promise<HookResult> } }
        ).__magnetar.callHost(b),
      body,
    );
  }

  /** Notifications the background showed since it (re)started. */
  async notifications(): Promise<{ title: string; message: string }[]> {
    return (await this.sw()).evaluate(
      () =>
        (globalThis as unknown as { __magnetar: { notifications: { title: string; message: string }[] } })
          .__magnetar.notifications,
    );
  }

  async teardown(): Promise<void> {
    await this.closeBrowser().catch(() => undefined);
    await this.site?.close();
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }
}
