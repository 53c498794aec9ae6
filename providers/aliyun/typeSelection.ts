/**
 * Seed 规格映射: of the instance types on offer, the cheapest that has at least the cpu and memory
 * asked for. The cloud says what is on offer (and its real cpu/memory); the catalog says what it
 * costs, because ECS's availability query carries no price.
 */
import { SizeNeed as Need, cheapestFitting } from '../typeSelection';
import { ALIYUN_INSTANCE_TYPES, catalogType } from './catalog';

export interface InstanceTypeOffer {
  instanceType: string;
  cpu: number;
  memoryGiB: number;
}

export interface ChosenInstanceType extends InstanceTypeOffer {
  /** Catalog list price; absent for a type the catalog does not know. */
  priceCnyPerMonth?: number;
  /** 'cloud': from the availability query; 'catalog': the query failed; 'given': the caller named it. */
  source: 'cloud' | 'catalog' | 'given';
}

/** The cheapest of the types ECS says are in stock that fits. */
export function chooseInstanceType(offers: readonly InstanceTypeOffer[], need: Need): ChosenInstanceType | undefined {
  return cheapestByCatalogPrice(offers, need, 'cloud');
}

/** The fallback when the cloud cannot be asked: the catalog's own types. */
export function chooseFromCatalog(need: Need): ChosenInstanceType | undefined {
  return cheapestByCatalogPrice(ALIYUN_INSTANCE_TYPES, need, 'catalog');
}

/**
 * The shared rule (providers/typeSelection.ts) over catalog prices: priced types first, cheapest
 * first; types the catalog cannot price come after them, smallest first — never silently preferred
 * over a known price. Ties break by size, then name, so the choice is stable.
 */
function cheapestByCatalogPrice(offers: readonly InstanceTypeOffer[], need: Need, source: ChosenInstanceType['source']): ChosenInstanceType | undefined {
  const sized = offers.map((o) => {
    const choice: ChosenInstanceType = { ...o, priceCnyPerMonth: catalogType(o.instanceType)?.priceCnyPerMonth, source };
    return { name: o.instanceType, cpu: o.cpu, memoryGiB: o.memoryGiB, price: choice.priceCnyPerMonth, choice };
  });
  return cheapestFitting(sized, need)?.choice;
}
