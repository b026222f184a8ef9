// Who may open an incoming connection (RELIABILITY P44, connection churn): a token bucket per IP
// (a burst, then a steady rate) and a cap on connections per IP still in the handshake, plus one
// cap on all handshakes in progress. A peer that reconnects 1000 times a second costs us a
// refused accept, not a file descriptor and a 10 s handshake timer each. Memory is bounded: idle
// entries are dropped once the table grows.

const RATE_PER_SEC = 10;
const BURST = 30;
const MAX_PENDING_PER_IP = 8;
const MAX_PENDING_TOTAL = 256;
const MAX_TRACKED_IPS = 4096;

interface Entry {
  tokens: number;
  last: number;
  pending: number;
}

export class Admission {
  private readonly ips = new Map<string, Entry>();
  private pendingTotal = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** True when a new connection from `ip` may proceed; pair each true with done(ip). */
  admit(ip: string): boolean {
    if (this.pendingTotal >= MAX_PENDING_TOTAL) return false;
    const t = this.now();
    let e = this.ips.get(ip);
    if (!e) {
      if (this.ips.size >= MAX_TRACKED_IPS) this.prune(t);
      e = { tokens: BURST, last: t, pending: 0 };
      this.ips.set(ip, e);
    }
    e.tokens = Math.min(BURST, e.tokens + ((t - e.last) / 1000) * RATE_PER_SEC);
    e.last = t;
    if (e.tokens < 1 || e.pending >= MAX_PENDING_PER_IP) return false;
    e.tokens -= 1;
    e.pending++;
    this.pendingTotal++;
    return true;
  }

  /** The handshake of an admitted connection ended (either way). */
  done(ip: string): void {
    const e = this.ips.get(ip);
    if (e && e.pending > 0) {
      e.pending--;
      this.pendingTotal--;
    }
  }

  private prune(t: number): void {
    for (const [ip, e] of this.ips) {
      const full = e.tokens + ((t - e.last) / 1000) * RATE_PER_SEC >= BURST;
      if (e.pending === 0 && full) this.ips.delete(ip);
    }
    // Everyone is busy or recent: forget the oldest half rather than grow.
    if (this.ips.size >= MAX_TRACKED_IPS) {
      const drop = [...this.ips].filter(([, e]) => e.pending === 0).slice(0, MAX_TRACKED_IPS / 2);
      for (const [ip] of drop) this.ips.delete(ip);
    }
  }
}
