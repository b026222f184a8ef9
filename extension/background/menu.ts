// The "Download with Magnetar" context-menu entry on links. The click handler is a named,
// exported function so tests can call it (headless browsers have no context menu to click).

import { browser, type Menus } from '../lib/browser.ts';

export const MENU_ID = 'magnetar-download-link';

export function createMenu(): void {
  void browser.contextMenus
    .removeAll()
    .then(() =>
      browser.contextMenus.create({
        id: MENU_ID,
        title: 'Download with Magnetar',
        contexts: ['link'],
        targetUrlPatterns: ['*://*/*.torrent', '*://*/*.torrent?*', 'magnet:*'],
      }),
    )
    .catch(() => undefined);
}

export interface MenuDeps {
  addMagnet(uri: string): Promise<void>;
  addTorrentUrl(url: string): Promise<void>;
  failed(what: string, message: string): void;
}

export async function onMenuClicked(
  info: Pick<Menus.OnClickData, 'menuItemId' | 'linkUrl'>,
  deps: MenuDeps,
): Promise<void> {
  if (info.menuItemId !== MENU_ID || !info.linkUrl) return;
  const url = info.linkUrl;
  try {
    if (/^magnet:/i.test(url)) await deps.addMagnet(url);
    else await deps.addTorrentUrl(url);
  } catch (e) {
    deps.failed(url, (e as Error).message);
  }
}
