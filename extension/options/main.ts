// Options: the host's settings (download folder, seeding, peers) go to the host, which validates
// and persists them; "catch downloads" is the extension's own preference.

import { callHost, HostCallError, sendToBackground } from '../lib/messages.ts';
import { loadPrefs, savePrefs } from '../lib/prefs.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const root = $<HTMLInputElement>('downloadRoot');
const catchBox = $<HTMLInputElement>('catchDownloads');
const seedBox = $<HTMLInputElement>('seedAfterDownload');
const maxPeers = $<HTMLInputElement>('maxPeers');
const saved = $('saved');
const hostStatus = $('host-status');

function say(text: string, bad = false): void {
  saved.textContent = text;
  saved.className = `saved${bad ? ' bad' : ''}`;
}

async function load(): Promise<void> {
  catchBox.checked = (await loadPrefs()).catchDownloads;
  try {
    const { settings } = await callHost({ type: 'get-settings' });
    root.value = settings.downloadRoot;
    seedBox.checked = settings.seedAfterDownload;
    maxPeers.value = String(settings.maxPeers);
    hostStatus.textContent = 'Connected to the Magnetar host.';
  } catch (e) {
    const state = await sendToBackground('get-state', {}).catch(() => null);
    hostStatus.className = 'status bad';
    hostStatus.textContent =
      state?.status === 'not-installed'
        ? 'The Magnetar host is not installed: run `npm run install-host` in the Magnetar folder.'
        : `The host is unavailable: ${(e as Error).message}`;
    for (const i of [root, seedBox, maxPeers]) i.disabled = true;
  }
}

$<HTMLFormElement>('form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void (async () => {
    await savePrefs({ catchDownloads: catchBox.checked });
    if (root.disabled) return say('Saved.');
    try {
      const r = await callHost({
        type: 'set-settings',
        settings: {
          downloadRoot: root.value.trim(),
          seedAfterDownload: seedBox.checked,
          maxPeers: Number(maxPeers.value),
        },
      });
      root.value = r.settings.downloadRoot;
      say(r.restarted ? 'Saved; the engine restarted with the new settings.' : 'Saved.');
    } catch (e) {
      say(e instanceof HostCallError ? e.error.message : (e as Error).message, true);
    }
  })();
});

void load();
