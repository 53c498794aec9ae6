/**
 * Seed 规格映射: the cheapest spec that meets the asked cpu and memory, among those the cloud
 * says it sells (or, when it cannot say, among the catalog's). The specs query carries no
 * prices, so price order comes from the catalog's list prices; a spec the catalog does not know
 * ranks after known ones of the same size, by size.
 */
import { ECLOUD_SPECS, EcloudSpec } from './catalog';

export interface OfferedSpec {
  specsName: string;
  cpu: number;
  memoryGiB: number;
}

export function cheapestFitting(offered: OfferedSpec[], need: { cpu: number; memory: number }): OfferedSpec | undefined {
  return offered
    .filter((s) => s.cpu >= need.cpu && s.memoryGiB >= need.memory)
    .sort((a, b) => rank(a) - rank(b) || a.specsName.localeCompare(b.specsName))[0];
}

/** The catalog as offers, for when the specs query fails. */
export function catalogOffers(specs: EcloudSpec[] = ECLOUD_SPECS): OfferedSpec[] {
  return specs.map(({ specsName, cpu, memoryGiB }) => ({ specsName, cpu, memoryGiB }));
}

function rank(s: OfferedSpec): number {
  const known = ECLOUD_SPECS.find((c) => c.specsName === s.specsName);
  // Unknown specs: priced far above any list price, ordered by how big they are.
  return known ? known.priceCnyPerMonth : 1e6 + s.cpu * 1000 + s.memoryGiB;
}
