// Renders the torrent list. Every string from the host (names, errors, paths) goes through
// textContent, never innerHTML: a torrent name is attacker-chosen (RELIABILITY N77).

import type { TorrentInfo } from '../../native-host/src/protocol/index.ts';
import { formatBytes, formatEta, formatPercent, formatRate } from '../lib/format.ts';

export type Action = 'pause' | 'resume' | 'remove' | 'remove-data' | 'open';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const STATE_LABEL: Record<TorrentInfo['state'], string> = {
  checking: 'Checking',
  metadata: 'Fetching metadata',
  downloading: 'Downloading',
  seeding: 'Seeding',
  paused: 'Paused',
  error: 'Error',
};

export function renderTorrent(t: TorrentInfo, act: (a: Action, t: TorrentInfo) => void): HTMLLIElement {
  const li = el('li', `torrent ${t.state}`);
  li.dataset['id'] = t.id;
  const name = el('div', 'name', t.name);
  name.title = t.name;
  const bar = el('div', 'bar');
  const fill = el('div');
  fill.style.width = `${Math.max(0, Math.min(1, t.progress)) * 100}%`;
  bar.append(fill);
  const meta = el('div', 'meta');
  meta.append(
    el('span', 'state', STATE_LABEL[t.state]),
    el('span', 'progress', formatPercent(t.progress)),
    el('span', 'size', `${formatBytes(t.done)} / ${formatBytes(t.size)}`),
    el('span', 'down', `↓ ${formatRate(t.downRate)}`),
    el('span', 'up', `↑ ${formatRate(t.upRate)}`),
    el('span', 'peers', `${t.peers} peer${t.peers === 1 ? '' : 's'}`),
  );
  if (t.state === 'downloading') meta.append(el('span', 'eta', `ETA ${formatEta(t.eta)}`));
  li.append(name, bar, meta);
  if (t.error) li.append(el('div', 'err', `${t.error.message} (${t.error.code})`));
  const actions = el('div', 'actions');
  const button = (label: string, a: Action, title: string) => {
    const b = el('button', `act-${a}`, label);
    b.type = 'button';
    b.title = title;
    b.addEventListener('click', () => act(a, t));
    actions.append(b);
  };
  if (t.state === 'paused' || t.state === 'error') button('Resume', 'resume', 'Resume');
  else button('Pause', 'pause', 'Pause');
  button('Open folder', 'open', 'Open the download folder');
  button('Remove', 'remove', 'Remove from the list, keep the files');
  button('Remove + data', 'remove-data', 'Remove and delete the downloaded files');
  li.append(actions);
  return li;
}
