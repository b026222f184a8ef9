// Badge (active downloads) and notifications (done / failed). Names go into notification text
// only: the browser renders it as plain text.

import { browser } from '../lib/browser.ts';

export function setBadge(active: number, problem: boolean): void {
  const text = problem ? '!' : active > 0 ? String(active) : '';
  void browser.action.setBadgeText({ text }).catch(() => undefined);
  void browser.action
    .setBadgeBackgroundColor({ color: problem ? '#b00020' : '#c82840' })
    .catch(() => undefined);
}

/** Recently shown notifications, for tests and the popup (kept short). */
export const recentNotifications: { title: string; message: string; at: number }[] = [];

export function notify(title: string, message: string): void {
  recentNotifications.push({ title, message, at: Date.now() });
  if (recentNotifications.length > 20) recentNotifications.shift();
  void browser.notifications
    .create({
      type: 'basic',
      iconUrl: browser.runtime.getURL('extension/icons/icon-128.png'),
      title,
      message: message.length > 300 ? `${message.slice(0, 299)}…` : message,
    })
    .catch(() => undefined);
}
