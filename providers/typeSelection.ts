/**
 * Seed 规格映射, once for every cloud: of the instance types on offer, take the cheapest that has
 * at least the cpu and memory asked for. Each cloud adapts its own offers (and its catalog's
 * prices) to SizedOffer; what is "on offer" (stock, sale status) stays that cloud's business.
 */

export interface SizedOffer {
  /** The cloud's name for the type (instance type, specs name). */
  name: string;
  cpu: number;
  memoryGiB: number;
  /** Comparable price — any unit, the same for every offer compared; undefined = unknown. */
  price?: number;
}

export interface SizeNeed {
  cpu: number;
  memory: number;
}

/** True when the offer has at least the cpu and memory (GiB) asked for. */
export function fits(need: SizeNeed): (offer: { cpu: number; memoryGiB: number }) => boolean {
  return (offer) => offer.cpu >= need.cpu && offer.memoryGiB >= need.memory;
}

/** Known prices first, cheaper first; unknown prices after every known one, equal among themselves. */
function byPrice(a: SizedOffer, b: SizedOffer): number {
  if (a.price === undefined || b.price === undefined) {
    return (a.price === undefined ? 1 : 0) - (b.price === undefined ? 1 : 0);
  }
  return a.price - b.price;
}

/**
 * The full order: price (unknown last), then smaller cpu, then smaller memory, then name, then the
 * caller's tieBreak. Total given a total tieBreak, so the same offers always give the same choice —
 * a retried create (same client token) asks for the same type.
 */
export function compareOffers<T extends SizedOffer>(tieBreak?: (a: T, b: T) => number): (a: T, b: T) => number {
  return (a, b) =>
    byPrice(a, b) ||
    a.cpu - b.cpu ||
    a.memoryGiB - b.memoryGiB ||
    a.name.localeCompare(b.name) ||
    (tieBreak ? tieBreak(a, b) : 0);
}

/** Cheapest offer that fits the need, by compareOffers; undefined when none fits. */
export function cheapestFitting<T extends SizedOffer>(offers: readonly T[], need: SizeNeed, tieBreak?: (a: T, b: T) => number): T | undefined {
  const order = compareOffers(tieBreak);
  const fitsNeed = fits(need);
  let best: T | undefined;
  for (const offer of offers) {
    if (fitsNeed(offer) && (best === undefined || order(offer, best) < 0)) best = offer;
  }
  return best;
}
