// The one seam over the WebExtension APIs: everything else imports `browser` from here, so Chrome
// and Firefox differences live in this file.

import browser from 'webextension-polyfill';

export type { Downloads, Menus, Runtime } from 'webextension-polyfill';
export { browser };

interface DeterminingFilenameItem {
  id: number;
  url: string;
  finalUrl?: string;
  filename: string;
  mime?: string;
}
type Suggest = (s?: { filename: string }) => void;
interface DeterminingFilenameEvent {
  addListener(cb: (item: DeterminingFilenameItem, suggest: Suggest) => boolean | undefined): void;
}

/**
 * Chrome-only `downloads.onDeterminingFilename` (the only event that sees a Content-Disposition
 * file name before the download starts writing). Firefox has no such event: undefined there, so
 * callers use `?.` and Firefox never throws at start-up.
 */
export function onDeterminingFilename(): DeterminingFilenameEvent | undefined {
  const c = (globalThis as { chrome?: { downloads?: { onDeterminingFilename?: DeterminingFilenameEvent } } })
    .chrome;
  return c?.downloads?.onDeterminingFilename;
}

/** The reason a native port closed: Chrome reports it in runtime.lastError, Firefox on the port. */
export function portError(port: { error?: { message?: string } | null }): string | null {
  const c = (globalThis as { chrome?: { runtime?: { lastError?: { message?: string } } } }).chrome;
  return c?.runtime?.lastError?.message ?? port.error?.message ?? null;
}

export function isFirefox(): boolean {
  return browser.runtime.getURL('').startsWith('moz-extension:');
}
