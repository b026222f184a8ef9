// Preferences that belong to the extension rather than the host (the host owns download folder,
// seeding and connection limits).

import { browser } from './browser.ts';

export interface Prefs {
  /** Catch .torrent downloads and hand them to Magnetar. */
  catchDownloads: boolean;
}

export const DEFAULT_PREFS: Prefs = { catchDownloads: true };

export async function loadPrefs(): Promise<Prefs> {
  const got = await browser.storage.local.get('prefs');
  const p = got['prefs'] as Partial<Prefs> | undefined;
  return { ...DEFAULT_PREFS, ...(p && typeof p === 'object' ? p : {}) };
}

export async function savePrefs(p: Prefs): Promise<void> {
  await browser.storage.local.set({ prefs: p });
}
