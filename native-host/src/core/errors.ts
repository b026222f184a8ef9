// Errors are values with context and a stable code (append only: codes are part of the CLI's
// --json output and the host protocol). `fault` says whose fault it is, which decides the reaction:
// peer → drop/score/ban it; transient → back off and retry; torrent → pause it and show the
// message; input → refuse the request; bug → throw.

export type Fault = 'peer' | 'transient' | 'torrent' | 'input' | 'bug';

export const ERROR_CODES = {
  // bencode
  BENCODE_TRUNCATED: 'input',
  BENCODE_SYNTAX: 'input',
  BENCODE_DEPTH: 'input',
  BENCODE_TOKENS: 'input',
  BENCODE_LENGTH: 'input',
  BENCODE_INTEGER: 'input',
  BENCODE_DUPLICATE_KEY: 'input',
  BENCODE_TRAILING: 'input',
  // metainfo
  TORRENT_TOO_LARGE: 'input',
  TORRENT_NOT_A_TORRENT: 'input',
  TORRENT_INVALID: 'input',
  TORRENT_PIECE_LENGTH: 'input',
  TORRENT_PIECES: 'input',
  TORRENT_FILE_LENGTH: 'input',
  TORRENT_NO_FILES: 'input',
  TORRENT_PATH: 'input',
  TORRENT_TOO_DEEP: 'input',
  MAGNET_INVALID: 'input',
  // trackers
  TRACKER_FAILURE: 'transient',
  TRACKER_TIMEOUT: 'transient',
  TRACKER_HTTP_STATUS: 'transient',
  TRACKER_BAD_RESPONSE: 'transient',
  TRACKER_BODY_TOO_LARGE: 'transient',
  TRACKER_UNSUPPORTED: 'input',
  TRACKER_NETWORK: 'transient',
  // peer wire
  PEER_HANDSHAKE: 'peer',
  PEER_INFOHASH_MISMATCH: 'peer',
  PEER_SELF: 'peer',
  PEER_FRAME_TOO_LARGE: 'peer',
  PEER_BAD_LENGTH: 'peer',
  PEER_UNKNOWN_MESSAGE: 'peer',
  PEER_PROTOCOL: 'peer',
  PEER_BAD_PIECE: 'peer',
  PEER_BAD_REQUEST: 'peer',
  PEER_TIMEOUT: 'transient',
  PEER_CLOSED: 'transient',
  PEER_BANNED: 'peer',
  // storage
  STORAGE_IO: 'torrent',
  STORAGE_DISK_FULL: 'torrent',
  STORAGE_PATH_ESCAPE: 'torrent',
  STORAGE_MISSING: 'torrent',
  // front ends
  FETCH_FAILED: 'transient',
  FETCH_REFUSED: 'input',
  NOT_SUPPORTED: 'input',
  NOT_FOUND: 'input',
  BAD_REQUEST: 'input',
  ABORTED: 'transient',
  /** Another torrent in the session already owns one of this torrent's file paths (RELIABILITY S70). */
  TORRENT_PATH_CONFLICT: 'input',
  /** Data we had verified no longer matches its hash on disk (RELIABILITY S64). */
  STORAGE_CHANGED: 'torrent',
} as const satisfies Record<string, Fault>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class MagnetarError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MagnetarError';
    this.code = code;
    this.fault = ERROR_CODES[code];
    this.details = details;
  }
}

export function isMagnetarError(e: unknown, code?: ErrorCode): e is MagnetarError {
  return e instanceof MagnetarError && (code === undefined || e.code === code);
}

/** Turns anything thrown into a short message for a user (CLI, popup). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
