// Every cap the engine enforces, with the reason it has that value. Memory per peer and per torrent
// is bounded by the sum of these, whatever a peer sends (DESIGN.md §4 rule 4).

/** .torrent files larger than this are refused before parsing (libtorrent's max_buffer_size is 10 MB). */
export const MAX_TORRENT_FILE_BYTES = 10 * 1000 * 1000;
/** Bencode nesting depth; real torrents nest < 10, libtorrent caps at 100. */
export const MAX_BENCODE_DEPTH = 100;
/** Bencode tokens per document: 3 M covers a 10 MB torrent of tiny values (libtorrent's default). */
export const MAX_BENCODE_TOKENS = 3_000_000;
/** Peer-supplied metadata (BEP 9) token cap: a little lower, as libtorrent does for untrusted input. */
export const MAX_METADATA_TOKENS = 2_500_000;
/** Metadata size a peer may announce (BEP 9); rqbit uses 32 MiB. */
export const MAX_METADATA_BYTES = 32 * 1024 * 1024;
/** Tracker HTTP response body; a peer list of 200 compact peers is < 2 KiB, so 1 MiB is generous. */
export const MAX_TRACKER_BODY_BYTES = 1024 * 1024;
/** HTTP redirects followed for one tracker or .torrent fetch. */
export const MAX_HTTP_REDIRECTS = 5;
/** A piece length above this is refused (libtorrent: 512 MiB); it also bounds one piece buffer. */
export const MAX_PIECE_LENGTH = 512 * 1024 * 1024;
/** Pieces per torrent (libtorrent: 0x200000); bounds bitfields and picker arrays. */
export const MAX_PIECES = 0x200000;
/** Largest single file (2^48 - 1, libtorrent's limit) and largest total (exact in a JS number). */
export const MAX_FILE_LENGTH = 2 ** 48 - 1;
export const MAX_TOTAL_LENGTH = Number.MAX_SAFE_INTEGER;
/** Directory depth of a file path in a torrent. */
export const MAX_PATH_DEPTH = 100;
/** Bytes of one path component; longer ones are truncated keeping the extension (libtorrent: 240). */
export const MAX_PATH_COMPONENT_BYTES = 240;
/** Files per torrent: bounds the layout tables. */
export const MAX_FILES = 1_000_000;

/** Block size we request (BEP 3 convention; most clients refuse larger requests). */
export const BLOCK_SIZE = 16 * 1024;
/** Largest block we serve to a peer's request; larger requests drop the peer. */
export const MAX_REQUEST_LENGTH = 128 * 1024;
/**
 * Largest peer-wire frame: a piece message carrying the biggest block we accept plus its header.
 * Bitfield frames are checked against the torrent's piece count separately; extended messages
 * (BEP 10) are capped at 1 MiB as in libtorrent.
 */
export const MAX_PEER_FRAME_BYTES = 1024 * 1024 + 13;
/** Incoming request queue per peer, advertised as `reqq` (libtorrent: 2000). */
export const MAX_INCOMING_REQUESTS = 2000;
/** Outstanding requests we keep to one peer; the adaptive depth stays within [min, max]. */
export const MIN_PIPELINE_DEPTH = 4;
export const MAX_PIPELINE_DEPTH = 256;
/**
 * Unsent bytes per peer before we stop serving it and wait for 'drain' (RELIABILITY P40 proposes
 * 500 KiB; 1 MiB keeps a fast loopback or LAN leecher busy between drains).
 */
export const MAX_PEER_SEND_BUFFER_BYTES = 1024 * 1024;

/** Connections per torrent by default (the issue asks for 50). */
export const DEFAULT_MAX_PEERS = 50;
/** Peers remembered per torrent (connected or not); bounds tracker/PEX floods. */
export const MAX_KNOWN_PEERS = 3000;
/** Peers taken from one tracker response. */
export const MAX_PEERS_PER_ANNOUNCE = 500;
/** Hash failures a peer may cause before it is banned. */
export const MAX_HASH_FAILURES_PER_PEER = 3;

/** Timeouts (ms) on every network wait. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 5_000;
/** No byte at all from a peer for this long (BEP 3 keep-alives come every 2 min) drops it. */
export const PEER_IDLE_TIMEOUT_MS = 300_000;
export const KEEPALIVE_INTERVAL_MS = 90_000;
/** A requested block not arriving within this is re-requested elsewhere; the peer counts as snubbing. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const HTTP_TRACKER_TIMEOUT_MS = 15_000;
/** BEP 15: 15 * 2^n seconds, n up to 8; we stop earlier (n ≤ 3) so a dead tracker fails in ~2 min. */
export const UDP_TRACKER_BASE_TIMEOUT_MS = 15_000;
export const UDP_TRACKER_MAX_RETRIES = 3;
/** BEP 15: a connection id is valid for one minute. */
export const UDP_CONNECTION_ID_TTL_MS = 60_000;

/**
 * Disk write queue high/low water marks: reading from sockets pauses above the high mark. Small
 * on purpose: every queued byte is resident memory, and the page cache absorbs bursts anyway
 * (libtorrent allows 100 MiB, but our RSS budget is 120 MB for the whole process).
 */
export const WRITE_QUEUE_HIGH_BYTES = 8 * 1024 * 1024;
export const WRITE_QUEUE_LOW_BYTES = 2 * 1024 * 1024;
/**
 * Piece-buffer memory per torrent: pieces being downloaded, hashed or written all hold one, so
 * this bounds a torrent's payload memory whatever the network, disk or hash speed.
 */
export const PARTIAL_PIECES_BUDGET_BYTES = 8 * 1024 * 1024;
/** Whole pieces kept in memory for seeding (see swarm/read-cache.ts). */
export const SEED_READ_CACHE_BYTES = 8 * 1024 * 1024;
/** Open file handles kept per torrent storage. */
export const MAX_OPEN_FILES = 64;
/** Pieces being hashed at once (bounds memory for big pieces). */
export const MAX_HASHES_IN_FLIGHT = 8;

/** Native messaging: host→browser frames must stay below Chrome's 1 MiB limit. */
export const MAX_NM_OUT_FRAME_BYTES = 1024 * 1024;
/** Native messaging: largest browser→host frame we accept (Chrome allows 64 MiB). */
export const MAX_NM_IN_FRAME_BYTES = 16 * 1024 * 1024;

// Caps on what torrents, magnet links and peers' extension handshakes may hold.
/** Trackers kept per torrent or magnet; real torrents list < 50. */
export const MAX_TRACKERS = 200;
/** Longest tracker or web-seed URL kept; real ones are < 200 characters. */
export const MAX_URL_LENGTH = 2048;
/** Web seeds kept per torrent. */
export const MAX_WEB_SEEDS = 50;
/** Renames tried for one name before giving up (libtorrent's limit). */
export const MAX_RENAME_ATTEMPTS = 500;
/** Longest magnet link accepted (libtorrent and browsers handle far less in practice). */
export const MAX_MAGNET_LENGTH = 64 * 1024;
/** `x.pe` peers kept from one link. */
export const MAX_MAGNET_PEERS = 200;
/** Names kept from one `m` dict: real clients advertise < 20; the rest is ignored. */
export const MAX_EXTENSION_NAMES = 64;
/** Longest extension name we keep ("ut_metadata", "lt_donthave", ... are < 20). */
export const MAX_EXTENSION_NAME_BYTES = 64;
/** Bytes of `v` kept: a client name and version, shown in the UI. */
export const MAX_CLIENT_NAME_BYTES = 64;
