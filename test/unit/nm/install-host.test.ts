// install-scripts/install-host.mjs against a temporary HOME: detection, the files it writes,
// idempotence, and an uninstall that removes exactly what was added.

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_ID, GECKO_ID, HOST_NAME } from '../../../native-host/src/protocol/ids.ts';

const SCRIPT = resolve('install-scripts/install-host.mjs');
const HOST = resolve('native-host/dist/magnetar.mjs');
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mg-install-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, '--host-script', HOST, ...args], {
    env: { HOME: home, PATH: '/nonexistent' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p.slice(home.length));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const chromiumFile = () => join(home, '.config/chromium/NativeMessagingHosts', `${HOST_NAME}.json`);
const firefoxFile = () => join(home, '.mozilla/native-messaging-hosts', `${HOST_NAME}.json`);
const wrapper = () => join(home, '.local/share/magnetar/bin/magnetar-host');

describe('install-host.mjs', () => {
  it('registers for the installed browsers only, with the fixed ids and an executable wrapper', () => {
    mkdirSync(join(home, '.config/chromium'), { recursive: true });
    mkdirSync(join(home, '.mozilla'), { recursive: true });
    const r = run();
    expect(r.code, r.out).toBe(0);
    const chrome = JSON.parse(readFileSync(chromiumFile(), 'utf8'));
    expect(chrome).toEqual({
      name: HOST_NAME,
      description: expect.any(String),
      path: wrapper(),
      type: 'stdio',
      allowed_origins: [`chrome-extension://${CHROME_EXTENSION_ID}/`],
    });
    const ff = JSON.parse(readFileSync(firefoxFile(), 'utf8'));
    expect(ff.allowed_extensions).toEqual([GECKO_ID]);
    expect(ff.path).toBe(wrapper());
    expect(existsSync(join(home, '.config/google-chrome'))).toBe(false);
    expect(statSync(wrapper()).mode & 0o111).toBe(0o111);
    const w = readFileSync(wrapper(), 'utf8');
    expect(w).toContain(`exec '${process.execPath}' --max-semi-space-size=1 '${HOST}' "$@"`);
  });

  it('is idempotent and --uninstall removes exactly what it added', () => {
    mkdirSync(join(home, '.config/chromium/NativeMessagingHosts'), { recursive: true });
    writeFileSync(join(home, '.config/chromium/NativeMessagingHosts/other.host.json'), '{}');
    const before = tree(home);
    expect(run('--browser', 'chromium', '--browser', 'firefox').code).toBe(0);
    const once = tree(home);
    const text = readFileSync(chromiumFile(), 'utf8');
    expect(run('--browser', 'chromium', '--browser', 'firefox').code).toBe(0);
    expect(tree(home)).toEqual(once);
    expect(readFileSync(chromiumFile(), 'utf8')).toBe(text);
    const state = JSON.parse(readFileSync(join(home, '.local/share/magnetar/install-state.json'), 'utf8'));
    expect(state.files).toHaveLength(3);
    const u = run('--uninstall');
    expect(u.code, u.out).toBe(0);
    expect(tree(home)).toEqual(before);
    expect(run('--uninstall').out).toContain('nothing to uninstall');
  });

  it('--user-data-dir puts the manifest in DIR/NativeMessagingHosts', () => {
    const profile = join(home, 'profile');
    expect(run('--user-data-dir', profile).code).toBe(0);
    const m = JSON.parse(readFileSync(join(profile, 'NativeMessagingHosts', `${HOST_NAME}.json`), 'utf8'));
    expect(m.allowed_origins).toEqual([`chrome-extension://${CHROME_EXTENSION_ID}/`]);
    expect(existsSync(chromiumFile())).toBe(false);
    expect(run('--user-data-dir', profile, '--browser', 'firefox').code).toBe(2);
  });

  it('--dry-run prints the plan and writes nothing', () => {
    mkdirSync(join(home, '.config/chromium'), { recursive: true });
    const before = tree(home);
    const r = run('--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`would register for Chromium: ${chromiumFile()}`);
    expect(tree(home)).toEqual(before);
  });

  it('refuses unknown options and browsers; says so when no browser is found', () => {
    expect(run('--browser', 'netscape').code).toBe(2);
    expect(run('--frobnicate').code).toBe(2);
    const none = run();
    expect(none.code).toBe(1);
    expect(none.out).toContain('No supported browser found');
  });

  it('derives the same Chrome id from manifest.json as the host expects', async () => {
    const mod = (await import(SCRIPT)) as { readExtensionIds(): { chromeId: string; geckoId: string } };
    expect(mod.readExtensionIds()).toEqual({ chromeId: CHROME_EXTENSION_ID, geckoId: GECKO_ID });
  });
});
