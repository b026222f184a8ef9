// Picks the client for a tracker URL by scheme. The announcer talks to this one function, so
// tests can inject faults (or a fake clock-driven tracker) without sockets.

import { MagnetarError } from '../core/errors.ts';
import { type HttpTrackerOptions, httpAnnounce } from './http-client.ts';
import type { AnnounceRequest, AnnounceResponse } from './types.ts';
import { UdpTrackerClient, type UdpTrackerOptions } from './udp-client.ts';

export interface TrackerTransport {
  /** Rejects with a MagnetarError (TRACKER_*, ABORTED); never with anything else. */
  announce(url: string, req: AnnounceRequest, signal: AbortSignal): Promise<AnnounceResponse>;
  /** Releases sockets; outstanding announces reject with ABORTED. */
  close(): void;
}

export interface TransportOptions {
  http?: HttpTrackerOptions;
  udp?: UdpTrackerOptions;
}

/** Schemes we can announce to; others (wss:, ws:) are shown as unsupported. */
export function isSupportedTracker(url: string): boolean {
  return /^(https?|udp):\/\//i.test(url);
}

export function createTrackerTransport(opts: TransportOptions = {}): TrackerTransport {
  let udp: UdpTrackerClient | undefined;
  return {
    announce(url, req, signal) {
      const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
      if (scheme === 'http' || scheme === 'https') return httpAnnounce(url, req, opts.http, signal);
      if (scheme === 'udp') {
        udp ??= new UdpTrackerClient(opts.udp);
        return udp.announce(url, req, signal);
      }
      return Promise.reject(
        new MagnetarError('TRACKER_UNSUPPORTED', `unsupported tracker scheme: ${scheme}`),
      );
    },
    close() {
      udp?.close();
      udp = undefined;
    },
  };
}
