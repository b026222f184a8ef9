// Names both sides must agree on. The Chrome id is derived from the public `key` in the root
// manifest.json (sha256 of the DER key, first 32 hex digits mapped 0-f → a-p); a unit test checks
// that the two stay in step, and install-scripts/install-host.mjs derives it the same way.

/** Native-messaging host name: the manifest file name and `connectNative` argument. */
export const HOST_NAME = 'com.magnetar.host';

/** Fixed id of the unpacked/packed Chrome-family extension (from manifest.json `key`). */
export const CHROME_EXTENSION_ID = 'bbbeiokgeikfljlnfcohibmikjdkfafj';

/** Firefox add-on id (`browser_specific_settings.gecko.id`), matched by `allowed_extensions`. */
export const GECKO_ID = 'magnetar@magnetar.app';

/** The origin Chrome passes as argv[0] when it starts the host. */
export const CHROME_ORIGIN = `chrome-extension://${CHROME_EXTENSION_ID}/`;
