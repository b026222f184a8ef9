// The extension build (the host has its own: native-host/vite.config.ts).
//   vite build                   → dist/          (Chrome, Chromium, Brave, Edge, Vivaldi)
//   BROWSER=firefox vite build   → dist-firefox/  (Firefox: crxjs keeps background.scripts)
// One manifest.json serves both; each browser ignores the other's keys.

import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import { defineConfig } from 'vite';
import json from './manifest.json' with { type: 'json' };

// A JSON import widens the literal unions crxjs expects; the file is checked by the browsers.
const manifest = json as ManifestV3Export;
const firefox = process.env['BROWSER'] === 'firefox';

export default defineConfig({
  plugins: [
    crx({
      manifest,
      browser: firefox ? 'firefox' : 'chrome',
      // An IIFE content script runs exactly at document_start (no async loader), so a magnet click
      // early in page load is still caught.
      contentScripts: { standaloneFiles: ['extension/content/magnet.ts'] },
    }),
  ],
  // Test builds (MAGNETAR_TEST_HOOKS=1) keep a page-triggered "open the popup in a tab" path
  // for Firefox tests; production builds drop it (extension/lib/build-flags.ts).
  define: { __MAGNETAR_TEST_HOOKS__: JSON.stringify(process.env['MAGNETAR_TEST_HOOKS'] === '1') },
  build: {
    outDir: firefox ? 'dist-firefox' : 'dist',
    emptyOutDir: true,
    target: firefox ? 'firefox140' : 'chrome116',
    minify: false,
    sourcemap: false,
  },
});
