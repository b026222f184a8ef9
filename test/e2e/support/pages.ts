// Test pages and small helpers shared by the Chromium and Firefox tests.

import { readFileSync } from 'node:fs';

export type HookResult =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: string; message: string } };

export interface ListedTorrent {
  id: string;
  name: string;
  progress: number;
  state: string;
  downloaded: number;
}

export async function listTorrents(
  call: (b: Record<string, unknown>) => Promise<HookResult>,
): Promise<ListedTorrent[]> {
  const r = await call({ type: 'list' });
  if (!r.ok) throw new Error(`list failed: ${r.error.message}`);
  return (r.result as { torrents: ListedTorrent[] }).torrents;
}

const MAGNET = 'magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=test';

/** The catch page: four torrent links, an ordinary download, magnets, an iframe, swarm torrents. */
export function pageHtml(swarmNames: string[], kind: 'main' | 'frame' = 'main'): string {
  if (kind === 'frame') return `<!doctype html><a id="magnet" href="${MAGNET}">magnet in a frame</a>`;
  const swarm = swarmNames
    .map((n) => `<a id="swarm-${n.replace('.bin', '')}" href="/swarm/${n}.torrent">${n}</a>`)
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>catch</title>
<a id="a" href="/a.torrent">a (x-bittorrent)</a>
<a id="b" href="/b.torrent">b (.torrent, octet-stream)</a>
<a id="c" href="/dl?f=c">c (Content-Disposition)</a>
<a id="d" href="/get/d">d (no extension, x-bittorrent)</a>
<a id="zip" href="/zip.bin">an ordinary download</a>
<a id="magnet" href="${MAGNET}">magnet</a>
${swarm}
<iframe id="frame" src="/frame.html"></iframe>`;
}

/** Background of a second, unrelated extension: tries our host and reports what happened. */
export const INTRUDER_BG = `globalThis.tryHost = () => new Promise((resolve) => {
  const p = chrome.runtime.connectNative('com.magnetar.host');
  p.onMessage.addListener((m) => resolve({ message: m }));
  p.onDisconnect.addListener(() => resolve({ error: chrome.runtime.lastError ? chrome.runtime.lastError.message : null }));
  p.postMessage({ v: 1, id: 'x', type: 'hello' });
});`;

function count(log: string, needle: string): number {
  try {
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes(needle)).length;
  } catch {
    return 0;
  }
}

export const hostStarts = (log: string) => count(log, ' started {');
export const hostExits = (log: string) => count(log, ' exit {');

/** The largest host→browser frame body the host logged (it logs each 10 % growth). */
export function hostMaxSnapshot(log: string): number {
  let max = 0;
  try {
    for (const m of readFileSync(log, 'utf8').matchAll(/largest frame so far \{"bytes":(\d+)\}/g))
      max = Math.max(max, Number(m[1]));
  } catch {
    return 0;
  }
  return max;
}

/** Milliseconds between the host's last "shutting down" and "exit" log lines (EOF → exit). */
export function lastShutdownMs(log: string): number | null {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return null;
  }
  const at = (line: string | undefined) => (line ? Date.parse(line.slice(0, 24)) : Number.NaN);
  const lines = text.split('\n');
  const down = lines.filter((l) => l.includes(' shutting down ')).pop();
  const exit = lines.filter((l) => l.includes(' exit {')).pop();
  const ms = at(exit) - at(down);
  return Number.isFinite(ms) ? ms : null;
}
