// Who gets upload slots (BEP 3 "choking"): the peers that give us the most (while downloading) or
// take the most (while seeding) get the regular slots, re-decided every 10 s; one more slot rotates
// every 30 s to a random interested peer so newcomers get a chance (optimistic unchoke). Pure.

export interface ChokeCandidate {
  readonly key: string;
  readonly interested: boolean;
  /** Rate that ranks the peer: bytes/s from it while downloading, to it while seeding. */
  readonly rate: number;
  readonly optimistic: boolean;
}

export interface ChokeDecision {
  readonly unchoke: ReadonlySet<string>;
  readonly optimistic: string | null;
}

export function decideChokes(
  peers: readonly ChokeCandidate[],
  slots: number,
  rotateOptimistic: boolean,
  random: () => number = Math.random,
): ChokeDecision {
  const interested = peers.filter((p) => p.interested);
  const ranked = [...interested].sort((a, b) => b.rate - a.rate);
  const unchoke = new Set(ranked.slice(0, slots).map((p) => p.key));
  let optimistic = interested.find((p) => p.optimistic && !unchoke.has(p.key))?.key ?? null;
  if (rotateOptimistic || optimistic === null) {
    const pool = interested.filter((p) => !unchoke.has(p.key));
    optimistic = pool.length > 0 ? pool[Math.floor(random() * pool.length)]!.key : null;
  }
  if (optimistic !== null) unchoke.add(optimistic);
  return { unchoke, optimistic };
}
