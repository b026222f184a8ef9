// Background (Chrome: MV3 service worker; Firefox: event page). Every listener is registered
// synchronously at the top level, so an event that wakes a stopped worker is delivered; handlers
// then await `ready` (preferences loaded). Only this context talks to the host.

import {
  type AnyRequestBody,
  type HostEvent,
  HostEventSchema,
  type TorrentInfo,
  type WireError,
} from '../../native-host/src/protocol/index.ts';
import { browser, onDeterminingFilename, portError, type Runtime } from '../lib/browser.ts';
import { TEST_HOOKS } from '../lib/build-flags.ts';
import { type HostCallResult, RuntimeMessageSchema, type ViewState } from '../lib/messages.ts';
import { DEFAULT_PREFS, loadPrefs, type Prefs } from '../lib/prefs.ts';
import { Catcher } from './catcher.ts';
import { fetchTorrentBytes, toBase64 } from './fetch-torrent.ts';
import { HostPort, type NativePort } from './host-port.ts';
import { createMenu, type MenuDeps, onMenuClicked } from './menu.ts';
import { notify, recentNotifications, setBadge } from './notify.ts';
import { TorrentTable } from './torrents.ts';

/** With nothing downloading or seeding for this long, the port closes and the host exits. */
const IDLE_DISCONNECT_MS = 60_000;

let prefs: Prefs = DEFAULT_PREFS;
const ready = loadPrefs().then((p) => {
  prefs = p;
});
const table = new TorrentTable();
let lastError: WireError | null = null;
let hostVersion: string | null = null;
let hostSettings: ViewState['settings'] = null;
let idleTimer: ReturnType<typeof setTimeout> | null = null;

const host = new HostPort({
  onEvent: (e) => onHostEvent(e),
  onStatus: () => refreshBadge(),
  onConnected: (result) => {
    const hello = result as { hostVersion: string; settings: ViewState['settings'] };
    hostVersion = hello.hostVersion;
    hostSettings = hello.settings;
  },
  connectNative: (name) => browser.runtime.connectNative(name) as NativePort,
  disconnectReason: (port) => portError(port as { error?: { message?: string } }),
});

function onHostEvent(e: HostEvent): void {
  table.apply(e);
  if (e.type === 'torrent-done') notify('Download complete', e.torrent.name);
  if (e.type === 'torrent-error')
    notify('Download failed', `${e.torrent.name}: ${e.torrent.error?.message ?? 'error'}`);
  refreshBadge();
  scheduleIdleCheck();
}

function refreshBadge(): void {
  const problem = host.status === 'not-installed' || host.status === 'forbidden';
  setBadge(table.activeCount(), problem);
}

function scheduleIdleCheck(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  if (table.busyCount() > 0 || !host.connected) return;
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (table.busyCount() === 0 && host.pendingCount === 0) host.disconnect();
  }, IDLE_DISCONNECT_MS);
}

async function callHost(body: AnyRequestBody): Promise<HostCallResult> {
  const r = await host.call(body);
  if (!r.ok) lastError = r.error;
  scheduleIdleCheck();
  return r;
}

/** Throws the host's error so callers (catcher, menu) can report it. */
async function mustCall(body: AnyRequestBody): Promise<unknown> {
  const r = await callHost(body);
  if (!r.ok) throw new Error(`${r.error.message} (${r.error.code})`);
  return r.result;
}

async function addTorrentUrl(url: string): Promise<void> {
  const bytes = await fetchTorrentBytes(url);
  const added = (await mustCall({
    type: 'add-torrent',
    data: toBase64(bytes),
    sourceUrl: url.slice(0, 8192),
  })) as {
    torrent: TorrentInfo;
  };
  table.apply({ v: 1, type: 'torrent-added', torrent: added.torrent });
  refreshBadge();
}

async function addMagnet(uri: string): Promise<void> {
  await mustCall({ type: 'add-magnet', uri });
}

const catcher = new Catcher({
  enabled: async () => {
    await ready;
    // With no host to hand it to, leave the download to the browser rather than cancel it.
    return prefs.catchDownloads && host.status !== 'not-installed' && host.status !== 'forbidden';
  },
  hand: addTorrentUrl,
  failed: (url, message) => notify('Magnetar could not add the torrent', `${message}\n${url}`),
});

const menuDeps: MenuDeps = {
  addMagnet,
  addTorrentUrl,
  failed: (what, message) => notify('Magnetar could not add the link', `${message}\n${what}`),
};

/** The context-menu handler, named and exported for tests (headless has no menu to click). */
export function handleMenuClick(info: { menuItemId: string | number; linkUrl?: string }): Promise<void> {
  return onMenuClicked(info, menuDeps);
}

function viewState(): ViewState {
  return {
    status: host.status,
    statusMessage: host.statusMessage,
    hostVersion,
    settings: hostSettings,
    torrents: table.list(),
    lastError,
  };
}

/** Extension pages (popup, options) may use everything; content scripts only report magnets. */
async function onRuntimeMessage(raw: unknown, sender: Runtime.MessageSender): Promise<unknown> {
  if (sender.id !== browser.runtime.id) return undefined;
  const parsed = RuntimeMessageSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  // Content scripts report the web page's URL here; only our own pages have the extension origin.
  const fromPage = sender.url?.startsWith(browser.runtime.getURL('')) === true;
  if (m.kind === 'magnet') {
    const r = await callHost({ type: 'add-magnet', uri: m.url });
    if (!r.ok) notify('Magnetar could not add the magnet link', r.error.message);
    return r;
  }
  if (m.kind === 'test-open-page') {
    if (!TEST_HOOKS) return undefined;
    await browser.tabs.create({ url: browser.runtime.getURL(`extension/${m.page}/index.html`) });
    return true;
  }
  if (!fromPage) return undefined;
  if (m.kind === 'get-state') {
    await host.ensureConnected();
    const state = viewState();
    lastError = null;
    return state;
  }
  const r = await callHost(m.request as AnyRequestBody);
  if (r.ok && (m.request.type === 'get-settings' || m.request.type === 'set-settings'))
    hostSettings = (r.result as { settings: ViewState['settings'] }).settings;
  return r;
}

// ── top-level listeners (synchronous registration) ─────────────────────────────────────────────

browser.runtime.onInstalled.addListener(() => createMenu());
browser.runtime.onStartup.addListener(() => host.connect());
browser.downloads.onCreated.addListener((item) => catcher.onCreated(item));
onDeterminingFilename()?.addListener((item, suggest) => {
  catcher.onDeterminingFilename(item, () => suggest());
  return undefined;
});
browser.contextMenus.onClicked.addListener((info) => void handleMenuClick(info));
browser.runtime.onMessage.addListener((raw: unknown, sender: Runtime.MessageSender) =>
  onRuntimeMessage(raw, sender),
);
browser.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes['prefs']) void loadPrefs().then((p) => (prefs = p));
});

// A (re)started worker reconnects at once: the host resumes unfinished torrents by itself.
host.connect();

// Test hooks, namespaced: reachable only from the extension's own contexts (tests use
// `serviceWorker.evaluate`), never from web pages.
Object.assign(globalThis, {
  __magnetar: {
    callHost: (body: AnyRequestBody) => host.call(body),
    menuClick: handleMenuClick,
    state: viewState,
    notifications: recentNotifications,
    disconnectHost: () => host.disconnect(),
    /** Feeds a host event to the view as if the host sent it (popup rendering tests). */
    injectEvent: (e: unknown) => {
      const parsed = HostEventSchema.safeParse(e);
      if (parsed.success) onHostEvent(parsed.data);
      return parsed.success;
    },
  },
});
