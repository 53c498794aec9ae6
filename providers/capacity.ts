/**
 * The largest boxes a provider can place, as data: what each cloud's catalog offers, and what a
 * provider that knows better reports itself (the Docker host's CPUs and memory). The API checks a
 * plan against this before admitting it — a plan that cannot fit is a 400 then, not an `error` box
 * minutes later — and candidate selection skips placements that cannot fit. It loads no adapter
 * and no SDK: the catalogs are plain data.
 */
import { ALIYUN_INSTANCE_TYPES } from './aliyun/catalog';
import { ECLOUD_SPECS } from './chinamobile/catalog';
import { INSTANCE_TYPES as TENCENT_INSTANCE_TYPES } from './tencent/catalog';
import { fits, SizeNeed } from './typeSelection';
import type { IResourceProvider, ProviderType } from './types';

/** One size on offer: vCPUs and GiB of memory. */
export interface BoxSize {
  cpu: number;
  memoryGiB: number;
}

/**
 * What each cloud's catalog lists. The cloud's own listing may offer more (the adapters ask it
 * first); a plan larger than every catalog type is refused rather than tried.
 */
export const CATALOG_SIZES: Readonly<Partial<Record<ProviderType, readonly BoxSize[]>>> = {
  chinamobile: ECLOUD_SPECS,
  aliyun: ALIYUN_INSTANCE_TYPES,
  tencent: TENCENT_INSTANCE_TYPES,
};

/** The sizes a provider can place now: its own report when it has one, else its catalog; undefined when unknown. */
export async function sizesOn(provider: IResourceProvider): Promise<readonly BoxSize[] | undefined> {
  if (provider.capacity) return [await provider.capacity()];
  return CATALOG_SIZES[provider.type];
}

/** Why `need` cannot be placed on `sizes` (a sentence naming `where`), or undefined when some size fits. */
export function misfit(need: SizeNeed, sizes: readonly BoxSize[], where: string): string | undefined {
  if (sizes.some(fits(need))) return undefined;
  const most = (pick: (s: BoxSize) => number) => Math.max(...sizes.map(pick));
  return (
    `${where} can place at most ${round(most((s) => s.cpu))} vCPU and ${round(most((s) => s.memoryGiB))} GiB ` +
    `in one box; the plan needs ${need.cpu} vCPU and ${need.memory} GiB`
  );
}

const round = (n: number) => Math.round(n * 10) / 10;
