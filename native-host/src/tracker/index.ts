// Public surface of the tracker module for the engine (DESIGN §3: tracker [2] codecs, [4] clients).
export {
  Announcer,
  type AnnouncerClock,
  type AnnouncerOptions,
  type AnnounceStats,
  type TrackerState,
  type TrackerStatus,
} from './announcer.ts';
export { fetchTrackerBody, type HttpTrackerOptions, httpAnnounce } from './http-client.ts';
export { buildAnnounceUrl, parseAnnounceBody, parseScrapeBody, scrapeUrlFor } from './http-codec.ts';
export {
  createTrackerTransport,
  isSupportedTracker,
  type TrackerTransport,
  type TransportOptions,
} from './transport.ts';
export type { AnnounceEvent, AnnounceRequest, AnnounceResponse, PeerAddress } from './types.ts';
export { UdpTrackerClient, type UdpTrackerOptions } from './udp-client.ts';
