// Messages between the extension's own parts (popup, options, content script) and the
// background, which alone talks to the host. A typed table, one validator: the background checks
// every message (and its sender) before acting on it.

import { z } from 'zod';
import {
  type AnyRequestBody,
  type HostEvent,
  MAX_URL_CHARS,
  REQUEST_TYPES,
  type RequestBody,
  type RequestType,
  type ResultOf,
  type Settings,
  type TorrentInfo,
  type WireError,
} from '../../native-host/src/protocol/index.ts';
import { browser } from './browser.ts';

export type HostStatus = 'connecting' | 'connected' | 'not-installed' | 'forbidden' | 'disconnected' | 'idle';

export interface ViewState {
  status: HostStatus;
  /** Why the host is not connected, in the browser's words. */
  statusMessage: string | null;
  hostVersion: string | null;
  settings: Settings | null;
  torrents: TorrentInfo[];
  /** The last error a user action or a caught download produced (shown once in the popup). */
  lastError: WireError | null;
}

export type HostCallResult = { ok: true; result: unknown } | { ok: false; error: WireError };

export interface RuntimeTable {
  /** From the content script: a magnet link was clicked. */
  magnet: { req: { url: string }; res: HostCallResult };
  /** From extension pages. */
  'get-state': { req: Record<string, never>; res: ViewState };
  host: { req: { request: AnyRequestBody }; res: HostCallResult };
  'test-open-page': { req: { page: 'popup' | 'options' }; res: boolean };
}
export type RuntimeKind = keyof RuntimeTable;

export const RuntimeMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('magnet'), url: z.string().min(1).max(MAX_URL_CHARS) }),
  z.strictObject({ kind: z.literal('get-state') }),
  /** Test builds only (build-flags.ts): open an extension page in a tab. */
  z.strictObject({ kind: z.literal('test-open-page'), page: z.enum(['popup', 'options']) }),
  z.strictObject({
    kind: z.literal('host'),
    // The body's fields are checked against the protocol schema once `v` and `id` are added.
    request: z.looseObject({ type: z.enum(REQUEST_TYPES as [RequestType, ...RequestType[]]) }),
  }),
]);
export type RuntimeMessage = z.infer<typeof RuntimeMessageSchema>;

export async function sendToBackground<K extends RuntimeKind>(
  kind: K,
  req: RuntimeTable[K]['req'],
): Promise<RuntimeTable[K]['res']> {
  return (await browser.runtime.sendMessage({ kind, ...req })) as RuntimeTable[K]['res'];
}

export class HostCallError extends Error {
  constructor(readonly error: WireError) {
    super(error.message);
    this.name = 'HostCallError';
  }
}

/** From an extension page: one host request through the background, typed by its request type. */
export async function callHost<T extends RequestType>(
  body: RequestBody<T> & { type: T },
): Promise<ResultOf<T>> {
  const r = await sendToBackground('host', { request: body as AnyRequestBody });
  if (!r.ok) throw new HostCallError(r.error);
  return r.result as ResultOf<T>;
}

export type { HostEvent };
