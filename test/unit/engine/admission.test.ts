// Incoming-connection admission (RELIABILITY P44): burst, steady rate, pending cap, memory bound.

import { describe, expect, it } from 'vitest';
import { Admission } from '../../../native-host/src/engine/admission.ts';

describe('Admission', () => {
  it('lets a burst through, then about 10 a second, per IP', () => {
    let now = 0;
    const a = new Admission(() => now);
    let ok = 0;
    for (let i = 0; i < 100; i++) {
      if (a.admit('10.0.0.1')) {
        ok++;
        a.done('10.0.0.1');
      }
    }
    expect(ok).toBe(30);
    now += 1000;
    let later = 0;
    for (let i = 0; i < 100; i++) {
      if (a.admit('10.0.0.1')) {
        later++;
        a.done('10.0.0.1');
      }
    }
    expect(later).toBe(10);
    // Another address has its own bucket.
    expect(a.admit('10.0.0.2')).toBe(true);
  });

  it('holds at most 8 pending handshakes per IP and frees a slot when one ends', () => {
    const a = new Admission(() => 0);
    const admitted = Array.from({ length: 20 }, () => a.admit('10.0.0.1')).filter(Boolean).length;
    expect(admitted).toBe(8);
    a.done('10.0.0.1');
    expect(a.admit('10.0.0.1')).toBe(true);
    expect(a.admit('10.0.0.1')).toBe(false);
  });

  it('caps pending handshakes over all IPs and keeps its table bounded', () => {
    let now = 0;
    const a = new Admission(() => now);
    const admitted: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const ip = `10.1.${i >> 8}.${i & 255}`;
      if (a.admit(ip)) admitted.push(ip);
    }
    expect(admitted.length).toBe(256);
    for (const ip of admitted) a.done(ip);
    // 20,000 distinct addresses, each admitted: the table still stays bounded.
    let seen = 0;
    for (let i = 0; i < 20_000; i++) {
      now += 1;
      const ip = `10.${2 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
      if (a.admit(ip)) {
        seen++;
        a.done(ip);
      }
    }
    expect(seen).toBe(20_000);
    expect((a as unknown as { ips: Map<string, unknown> }).ips.size).toBeLessThanOrEqual(4096);
  });
});
