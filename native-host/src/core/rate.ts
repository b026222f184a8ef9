// Transfer rate over a sliding window of one-second buckets. Cheap to update per block: it only
// adds to the current bucket.

const WINDOW_S = 5;

export class RateMeter {
  private readonly buckets = new Float64Array(WINDOW_S);
  private second = 0;
  private readonly started: number;
  total = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
    this.second = Math.floor(this.started / 1000);
  }

  add(bytes: number): void {
    this.roll();
    this.buckets[this.second % WINDOW_S]! += bytes;
    this.total += bytes;
  }

  /** Bytes per second over the last few whole seconds (and the current partial one). */
  get rate(): number {
    this.roll();
    const nowMs = this.now();
    let sum = 0;
    for (const b of this.buckets) sum += b;
    const spanMs = Math.min(WINDOW_S * 1000, Math.max(1000, nowMs - this.started));
    const partial = nowMs % 1000;
    const effective = Math.min(spanMs, (WINDOW_S - 1) * 1000 + partial);
    return (sum * 1000) / Math.max(1000, effective);
  }

  private roll(): void {
    const s = Math.floor(this.now() / 1000);
    if (s === this.second) return;
    const gap = Math.min(WINDOW_S, s - this.second);
    for (let k = 1; k <= gap; k++) this.buckets[(this.second + k) % WINDOW_S] = 0;
    this.second = s;
  }
}
