// Catches clicks (and middle clicks) on magnet: links in every frame, before the page or the
// browser acts on them, and hands the link to the background. Nothing else is read from the page.
// A link set from script (`location.href = 'magnet:…'`) is not seen: there is no MV3 API for it.

import { browser } from '../lib/browser.ts';
import { TEST_HOOKS } from '../lib/build-flags.ts';

function magnetFrom(ev: MouseEvent): string | null {
  const target = ev.target as Element | null;
  const a = target?.closest?.('a[href]') as HTMLAnchorElement | null;
  if (!a) return null;
  const href = a.href;
  return /^magnet:\?/i.test(href) ? href : null;
}

function onClick(ev: MouseEvent): void {
  if (ev.type === 'auxclick' && ev.button !== 1) return;
  const url = magnetFrom(ev);
  if (!url || !ev.isTrusted) return;
  ev.preventDefault();
  ev.stopPropagation();
  void browser.runtime.sendMessage({ kind: 'magnet', url: url.slice(0, 8192) }).catch(() => undefined);
}

document.addEventListener('click', onClick, true);
document.addEventListener('auxclick', onClick, true);

if (TEST_HOOKS) {
  // Test builds only: a page asks for an extension page to be opened (Firefox e2e).
  window.addEventListener('message', (ev: MessageEvent) => {
    const page = (ev.data as { magnetarTestOpen?: unknown } | null)?.magnetarTestOpen;
    if (ev.source === window && (page === 'popup' || page === 'options'))
      void browser.runtime.sendMessage({ kind: 'test-open-page', page }).catch(() => undefined);
  });
}
