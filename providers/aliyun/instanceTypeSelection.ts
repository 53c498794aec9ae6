/**
 * Seed 规格映射: of the instance types on offer, the cheapest that has at least the cpu and memory
 * asked for. The cloud says what is on offer (and its real cpu/memory); the catalog says what it
 * costs, because ECS's availability query carries no price.
 */
import { cheapestFitting as sharedCheapestFitting } from '../typeSelection';
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

/**
 * The shared rule (providers/typeSelection.ts) over catalog prices: priced types first, cheapest
 * first; types the catalog cannot price come after them, smallest first — never silently preferred
 * over a known price. Ties break by size, then name, so the choice is stable.
 */
export function cheapestFitting(
  offers: readonly InstanceTypeOffer[],
  need: { cpu: number; memory: number },
  source: ChosenInstanceType['source'],
): ChosenInstanceType | undefined {
  const sized = offers.map((o) => {
    const choice: ChosenInstanceType = { ...o, priceCnyPerMonth: catalogType(o.instanceType)?.priceCnyPerMonth, source };
    return { name: o.instanceType, cpu: o.cpu, memoryGiB: o.memoryGiB, price: choice.priceCnyPerMonth, choice };
  });
  return sharedCheapestFitting(sized, need)?.choice;
}

/** The fallback when the cloud cannot be asked: the catalog's own types. */
export function cheapestFromCatalog(need: { cpu: number; memory: number }): ChosenInstanceType | undefined {
  return cheapestFitting(ALIYUN_INSTANCE_TYPES, need, 'catalog');
}
