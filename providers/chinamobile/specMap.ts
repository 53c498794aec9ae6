/**
 * Seed 规格映射: the cheapest spec that meets the asked cpu and memory, among those the cloud
 * says it sells (or, when it cannot say, among the catalog's). The specs query carries no
 * prices, so price order comes from the catalog's list prices; a spec the catalog does not know
 * ranks after every known one, by size (the shared rule, providers/typeSelection.ts).
 */
import { cheapestFitting as sharedCheapestFitting } from '../typeSelection';
import { ECLOUD_SPECS, EcloudSpec } from './catalog';

export interface OfferedSpec {
  specsName: string;
  cpu: number;
  memoryGiB: number;
}

export function cheapestFitting(offered: readonly OfferedSpec[], need: { cpu: number; memory: number }): OfferedSpec | undefined {
  const sized = offered.map((spec) => ({
    name: spec.specsName,
    cpu: spec.cpu,
    memoryGiB: spec.memoryGiB,
    price: ECLOUD_SPECS.find((c) => c.specsName === spec.specsName)?.priceCnyPerMonth,
    spec,
  }));
  return sharedCheapestFitting(sized, need)?.spec;
}

/** The catalog as offers, for when the specs query fails. */
export function catalogOffers(specs: EcloudSpec[] = ECLOUD_SPECS): OfferedSpec[] {
  return specs.map(({ specsName, cpu, memoryGiB }) => ({ specsName, cpu, memoryGiB }));
}
