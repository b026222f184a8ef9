// The popup when the host is not registered: a clear message with the command that installs it,
// and an empty state once it is. Names from the host render as text, never as markup.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Chromium, launchChromium } from './support/chromium.ts';
import { ARTIFACTS, buildExtension, extensionId } from './support/fixtures.ts';

const ID = extensionId();
let root: string;
let browser: Chromium | null = null;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mg-e2e-nohost-'));
  const ext = buildExtension('chrome', join(root, 'ext'));
  const env = { ...process.env, HOME: join(root, 'home'), MAGNETAR_HOME: join(root, 'mghome') };
  browser = await launchChromium({
    profile: join(root, 'profile'),
    extensions: [ext],
    downloadDir: join(root, 'dl'),
    env,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
});

it('without the host, the popup says it is not installed and shows the install command', async () => {
  await browser!.worker(ID);
  const popup = await browser!.ctx.newPage();
  await popup.setViewportSize({ width: 420, height: 300 });
  await popup.goto(`chrome-extension://${ID}/extension/popup/index.html`);
  await expect.poll(() => popup.locator('#install').isVisible(), { timeout: 10_000 }).toBe(true);
  expect(await popup.locator('#install-cmd').textContent()).toContain('npm run install-host');
  expect(await popup.locator('#install-detail').textContent()).toContain(
    'Specified native messaging host not found',
  );
  expect(await popup.locator('#empty').isVisible()).toBe(false);
  mkdirSync(ARTIFACTS, { recursive: true });
  await popup.screenshot({ path: join(ARTIFACTS, 'popup-chromium-no-host.png') });
  await popup.close();
});
