/**
 * Seed 规格映射: the cheapest spec that meets the asked cpu and memory, among those the cloud
 * says it sells (or, when it cannot say, among the catalog's). The specs query carries no
 * prices, so price order comes from the catalog's list prices; a spec the catalog does not know
 * ranks after every known one, by size (the shared rule, providers/typeSelection.ts).
 */
import { SizeNeed as Need, cheapestFitting } from '../typeSelection';
import { ECLOUD_SPECS, EcloudSpec } from './catalog';

export interface OfferedSpec {
  specsName: string;
  cpu: number;
  memoryGiB: number;
}

/** The cheapest of the offered specs that fits, by catalog price. */
export function chooseInstanceType(offered: readonly OfferedSpec[], need: Need): OfferedSpec | undefined {
  const sized = offered.map((spec) => ({
    name: spec.specsName,
    cpu: spec.cpu,
    memoryGiB: spec.memoryGiB,
    price: ECLOUD_SPECS.find((c) => c.specsName === spec.specsName)?.priceCnyPerMonth,
    spec,
  }));
  return cheapestFitting(sized, need)?.spec;
}

/** The fallback when the specs query fails: the catalog's own specs. */
export function chooseFromCatalog(need: Need): OfferedSpec | undefined {
  return chooseInstanceType(catalogOffers(), need);
}

/** The catalog as offers. */
export function catalogOffers(specs: EcloudSpec[] = ECLOUD_SPECS): OfferedSpec[] {
  return specs.map(({ specsName, cpu, memoryGiB }) => ({ specsName, cpu, memoryGiB }));
}
