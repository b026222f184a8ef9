// Values shared by the tracker codecs, clients and the announcer. Pure types (no I/O), so the
// codecs that use them stay browser-safe (DESIGN.md §4 rule 1).

/** BEP 3 `event`: absent on regular re-announces. */
export type AnnounceEvent = 'started' | 'completed' | 'stopped' | 'none';

/** One announce, as the announcer asks for it; both codecs encode the same fields. */
export interface AnnounceRequest {
  /** 20-byte info-hash (BEP 3). */
  infoHash: Uint8Array;
  /** 20-byte peer id (BEP 3/20). */
  peerId: Uint8Array;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent;
  /** Peers wanted; 0 on `stopped`. */
  numWant: number;
  /** BEP 7/15 `key`: a random 32-bit value, stable for the session, so a tracker knows us across IP changes. */
  key: number;
  /** BEP 3 `trackerid` from this tracker's previous answer (HTTP only). */
  trackerId?: string | undefined;
}

/** A peer address ready to dial: an IPv4 dotted quad or a canonical IPv6 text (no brackets). */
export interface PeerAddress {
  host: string;
  port: number;
}

/** A successful announce, from either transport. Intervals are already clamped (seconds). */
export interface AnnounceResponse {
  interval: number;
  minInterval: number | undefined;
  /** Seeders / leechers as the tracker counts them (BEP 3 complete/incomplete, BEP 15 seeders/leechers). */
  complete: number | undefined;
  incomplete: number | undefined;
  warning: string | undefined;
  peers: PeerAddress[];
  /** BEP 3 `tracker id`: echoed on later announces to the same tracker when present. */
  trackerId: string | undefined;
}
