// HTTP(S) client requests (DESIGN §3: net/ is where sockets are opened). The tracker client
// handles timeouts, caps and redirects; this only opens one GET without connection pooling, so a
// finished request never leaves a keep-alive socket (and an open handle) behind.

import http from 'node:http';
import https from 'node:https';

export type HttpResponse = http.IncomingMessage;
export type HttpRequest = http.ClientRequest;

/** Starts a GET to an http: or https: URL. HTTPS certificates are verified (RELIABILITY T26). */
export function httpGet(url: URL, headers: Record<string, string>): HttpRequest {
  const mod = url.protocol === 'https:' ? https : http;
  return mod.get(url, { headers, agent: false });
}
