// Build-time flags, replaced by vite's `define` (see vite.config.ts). MAGNETAR_TEST_HOOKS=1 builds
// add a page → content script → background path that opens an extension page in a tab (Firefox
// tests can't navigate to moz-extension:// URLs themselves). Production builds compile it out.

declare const __MAGNETAR_TEST_HOOKS__: boolean | undefined;

export const TEST_HOOKS: boolean =
  typeof __MAGNETAR_TEST_HOOKS__ !== 'undefined' && __MAGNETAR_TEST_HOOKS__ === true;
