// Tracker timing policy. These are caps in the sense of DESIGN.md rule 4, local to trackers:
// they decide how often we may talk to a tracker, whatever it tells us (RELIABILITY T21, T26).
// (Candidates for core/limits.ts once the other tracker users settle.)

/** T21: an announce interval below 5 min looks abusive to trackers (newTrackon#120); above a day is useless. */
export const MIN_ANNOUNCE_INTERVAL_S = 300;
export const MAX_ANNOUNCE_INTERVAL_S = 24 * 60 * 60;
/** When a tracker gives no (or a bad) `interval`: the common default of opentracker and others. */
export const DEFAULT_ANNOUNCE_INTERVAL_S = 1800;
/** Floor for `min interval` and for the "search for more peers" re-announce. */
export const MIN_REANNOUNCE_S = 60;
/** Back-off after a failed announce: 30 s, 60 s, … up to 30 min, with ±10 % jitter (T26). */
export const ANNOUNCE_BACKOFF_BASE_MS = 30_000;
export const ANNOUNCE_BACKOFF_MAX_MS = 30 * 60_000;
/** The `stopped` announce is best effort: a dead tracker must not hold up closing a torrent (T26). */
export const STOPPED_ANNOUNCE_TIMEOUT_MS = 5_000;
/** T22: no data for this long aborts an HTTP announce (libtorrent's tracker_receive_timeout is 10 s). */
export const HTTP_TRACKER_IDLE_TIMEOUT_MS = 10_000;
/** Peers we ask for per announce (BEP 3 numwant; most trackers cap at 50-200). */
export const DEFAULT_NUM_WANT = 200;
