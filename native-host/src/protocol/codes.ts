// Stable error codes of the host protocol (append only: the extension and third-party tools match
// on them). Engine codes from core/errors.ts travel unchanged; these add the front end's own.
// Documented, with meanings, in PROTOCOL.md.

import { ERROR_CODES } from '../core/errors.ts';

/** Codes the native-messaging front end itself produces. */
export const PROTOCOL_ERROR_CODES = [
  // framing (a frame that could not even be read as JSON)
  'FRAME_TOO_LARGE',
  'FRAME_EMPTY',
  'FRAME_TRUNCATED',
  'BAD_UTF8',
  'BAD_JSON',
  // envelope
  'BAD_FRAME',
  'BAD_VERSION',
  'UNKNOWN_TYPE',
  'DUPLICATE_ID',
  'BUSY',
  // request semantics
  'PATH_OUTSIDE_ROOT',
  'REPLY_TOO_LARGE',
  'ORIGIN_REFUSED',
  'SESSION_UNAVAILABLE',
  'INTERNAL',
  // produced by the extension, never sent by the host
  'HOST_NOT_INSTALLED',
  'HOST_DISCONNECTED',
  'TIMEOUT',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

/** Every code a reply can carry. */
export type WireErrorCode = ProtocolErrorCode | keyof typeof ERROR_CODES;

export const ALL_ERROR_CODES: readonly WireErrorCode[] = [
  ...PROTOCOL_ERROR_CODES,
  ...(Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]),
];

const known = new Set<string>(ALL_ERROR_CODES);

export function isWireErrorCode(s: string): s is WireErrorCode {
  return known.has(s);
}
