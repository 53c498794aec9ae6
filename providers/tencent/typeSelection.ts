/**
 * Spec mapping (seed 规格映射): ask the cloud which types are on sale, take the cheapest that
 * meets cpu/memory; when the cloud cannot be asked, take the cheapest from the catalog.
 * Pure functions over data, so the rule is tested without a cloud.
 */
import { SizeNeed as Need, cheapestFitting, fits } from '../typeSelection';
import { INSTANCE_TYPES, TencentInstanceType, catalogType, hourlyCny } from './catalog';

/** One row of DescribeZoneInstanceConfigInfos' InstanceTypeQuotaSet, reduced to what we use. */
export interface TypeOffer {
  zone: string;
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  /** 'SELL' | 'SOLD_OUT' */
  status?: string;
  /** 'EnoughStock' | 'NormalStock' | 'UnderStock' | 'WithoutStock' */
  statusCategory?: string;
  /** Pay-as-you-go CNY per hour, when the cloud quoted one. */
  cnyPerHour?: number;
}

export interface TypeChoice {
  instanceType: string;
  /** Absent when the choice came from the catalog and nobody named a zone. */
  zone?: string;
  cpu: number;
  memoryGiB: number;
  cnyPerHour?: number;
  /** Where the price came from: the cloud's quote or the catalog's list price. */
  priceSource?: 'cloud' | 'catalog';
}

/** On sale with stock: SELL, and not flagged WithoutStock. */
export function isSellable(o: TypeOffer): boolean {
  return o.status === 'SELL' && o.statusCategory !== 'WithoutStock';
}

/**
 * Cheapest sellable offer that fits, by the shared rule (providers/typeSelection.ts): unknown
 * prices sort last; ties break on the smaller machine, then names, then zones, so the same answer
 * always gives the same choice — which keeps a retried create (same client token) asking for the
 * same thing.
 */
export function chooseInstanceType(offers: readonly TypeOffer[], need: Need): TypeChoice | undefined {
  const choices = offers.filter(isSellable).map((o): TypeChoice => {
    const listed = catalogType(o.instanceType);
    const cnyPerHour = o.cnyPerHour ?? (listed ? hourlyCny(listed) : undefined);
    const priceSource = o.cnyPerHour !== undefined ? 'cloud' : listed ? 'catalog' : undefined;
    return { instanceType: o.instanceType, zone: o.zone, cpu: o.cpu, memoryGiB: o.memoryGiB, cnyPerHour, priceSource };
  });
  return cheapestChoice(choices, need);
}

/** True when some offer fits the need at all, sold out or not: tells "no stock" from "no such size". */
export function anyOfferFits(offers: readonly TypeOffer[], need: Need): boolean {
  return offers.some(fits(need));
}

/** The catalog's cheapest fitting type: the fallback when the cloud's answer is unavailable. */
export function chooseFromCatalog(need: Need, catalog: readonly TencentInstanceType[] = INSTANCE_TYPES): TypeChoice | undefined {
  const choices = catalog.map(
    (t): TypeChoice => ({ instanceType: t.instanceType, cpu: t.cpu, memoryGiB: t.memoryGiB, cnyPerHour: hourlyCny(t), priceSource: 'catalog' }),
  );
  return cheapestChoice(choices, need);
}

/** The shared rule over TypeChoices, with the zone as the last tie-break. */
function cheapestChoice(choices: readonly TypeChoice[], need: Need): TypeChoice | undefined {
  const sized = choices.map((choice) => ({ name: choice.instanceType, cpu: choice.cpu, memoryGiB: choice.memoryGiB, price: choice.cnyPerHour, choice }));
  return cheapestFitting(sized, need, (a, b) => (a.choice.zone ?? '').localeCompare(b.choice.zone ?? ''))?.choice;
}
