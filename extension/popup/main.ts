// The popup: a view of the background's state, refreshed every second while open, and the
// buttons that send commands to the host through the background.

import type { TorrentInfo } from '../../native-host/src/protocol/index.ts';
import { browser } from '../lib/browser.ts';
import { callHost, HostCallError, sendToBackground, type ViewState } from '../lib/messages.ts';
import { type Action, renderTorrent } from './render.ts';

const REFRESH_MS = 1000;
const STATUS_LABEL: Record<ViewState['status'], string> = {
  connected: 'connected',
  connecting: 'connecting…',
  'not-installed': 'host not installed',
  forbidden: 'host refused this extension',
  disconnected: 'host disconnected',
  idle: 'idle',
};
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const list = $<HTMLUListElement>('list');
const empty = $('empty');
const banner = $('banner');
const install = $('install');
const status = $('status');

let lastKey = '';

// A click on the banner dismisses it.
banner.title = 'Click to dismiss';
banner.addEventListener('click', () => showError(null));

function showError(message: string | null): void {
  banner.hidden = message === null;
  banner.textContent = message ?? '';
}

function render(s: ViewState): void {
  const notInstalled = s.status === 'not-installed' || s.status === 'forbidden';
  install.hidden = !notInstalled;
  $('install-detail').textContent = notInstalled ? (s.statusMessage ?? '') : '';
  status.textContent = s.status === 'connected' ? `host ${s.hostVersion ?? ''}` : STATUS_LABEL[s.status];
  status.className = `status${s.status === 'connected' || s.status === 'connecting' ? '' : ' bad'}`;
  if (s.lastError) showError(`${s.lastError.message} (${s.lastError.code})`);
  empty.hidden = notInstalled || s.torrents.length > 0;
  const key = JSON.stringify(s.torrents);
  if (key === lastKey) return;
  lastKey = key;
  list.replaceChildren(...s.torrents.map((t) => renderTorrent(t, onAction)));
}

async function refresh(): Promise<void> {
  try {
    render(await sendToBackground('get-state', {}));
  } catch (e) {
    status.textContent = `background unavailable: ${(e as Error).message}`;
  }
}

async function run(p: Promise<unknown>): Promise<void> {
  try {
    await p;
    showError(null);
  } catch (e) {
    showError(e instanceof HostCallError ? `${e.error.message} (${e.error.code})` : (e as Error).message);
  }
  await refresh();
}

function onAction(a: Action, t: TorrentInfo): void {
  const torrentId = t.id;
  switch (a) {
    case 'pause':
      void run(callHost({ type: 'pause', torrentId }));
      break;
    case 'resume':
      void run(callHost({ type: 'resume', torrentId }));
      break;
    case 'remove':
      void run(callHost({ type: 'remove', torrentId, deleteData: false }));
      break;
    case 'remove-data':
      if (confirm(`Delete the downloaded files of “${t.name}”?`))
        void run(callHost({ type: 'remove', torrentId, deleteData: true }));
      break;
    case 'open':
      void run(callHost({ type: 'open-folder', torrentId }));
      break;
  }
}

$<HTMLFormElement>('add').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $<HTMLInputElement>('add-input');
  const text = input.value.trim();
  if (!text) return;
  const p = /^magnet:/i.test(text)
    ? callHost({ type: 'add-magnet', uri: text })
    : callHost({ type: 'add-url', url: text });
  void run(p.then(() => (input.value = '')));
});

$('options').addEventListener('click', (ev) => {
  ev.preventDefault();
  void browser.runtime.openOptionsPage();
});

void refresh();
setInterval(() => void refresh(), REFRESH_MS);
