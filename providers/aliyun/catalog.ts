/**
 * Alibaba Cloud ECS facts the adapter keeps as data: instance types with list prices (the seed's
 * 规格映射 ranks by price, and the cloud's availability query says nothing about price), the
 * image names callers use, and the regions/zones we know. The emulator serves the same data as
 * "the cloud", so a change here changes both sides at once.
 *
 * Prices are illustrative pay-as-you-go list prices in CNY per month, rounded; they only need to
 * rank types correctly. Correct them here when a real price list is at hand.
 */

export interface AliyunInstanceType {
  instanceType: string;
  family: string;
  cpu: number;
  memoryGiB: number;
  /** List price, CNY per month (pay-as-you-go, system disk not included). */
  priceCnyPerMonth: number;
  /** Burstable (t5/t6): CPU beyond a baseline costs credits. Cheap, fine for a dev box at rest. */
  burstable?: boolean;
}

export const ALIYUN_INSTANCE_TYPES: readonly AliyunInstanceType[] = [
  { instanceType: 'ecs.t5-lc1m1.small', family: 'ecs.t5', cpu: 1, memoryGiB: 1, priceCnyPerMonth: 48, burstable: true },
  { instanceType: 'ecs.t5-lc1m2.small', family: 'ecs.t5', cpu: 1, memoryGiB: 2, priceCnyPerMonth: 72, burstable: true },
  { instanceType: 'ecs.t6-c1m1.large', family: 'ecs.t6', cpu: 2, memoryGiB: 2, priceCnyPerMonth: 75, burstable: true },
  { instanceType: 'ecs.t6-c1m2.large', family: 'ecs.t6', cpu: 2, memoryGiB: 4, priceCnyPerMonth: 118, burstable: true },
  { instanceType: 'ecs.t5-c1m2.large', family: 'ecs.t5', cpu: 2, memoryGiB: 4, priceCnyPerMonth: 148, burstable: true },
  { instanceType: 'ecs.c6.large', family: 'ecs.c6', cpu: 2, memoryGiB: 4, priceCnyPerMonth: 226 },
  { instanceType: 'ecs.g6.large', family: 'ecs.g6', cpu: 2, memoryGiB: 8, priceCnyPerMonth: 286 },
  { instanceType: 'ecs.r6.large', family: 'ecs.r6', cpu: 2, memoryGiB: 16, priceCnyPerMonth: 368 },
  { instanceType: 'ecs.c6.xlarge', family: 'ecs.c6', cpu: 4, memoryGiB: 8, priceCnyPerMonth: 452 },
  { instanceType: 'ecs.g6.xlarge', family: 'ecs.g6', cpu: 4, memoryGiB: 16, priceCnyPerMonth: 572 },
  { instanceType: 'ecs.c6.2xlarge', family: 'ecs.c6', cpu: 8, memoryGiB: 16, priceCnyPerMonth: 904 },
  { instanceType: 'ecs.g6.2xlarge', family: 'ecs.g6', cpu: 8, memoryGiB: 32, priceCnyPerMonth: 1144 },
];

export function catalogType(instanceType: string): AliyunInstanceType | undefined {
  return ALIYUN_INSTANCE_TYPES.find((t) => t.instanceType === instanceType);
}

/**
 * Image names callers use → public Alibaba Cloud image ids. Public image ids carry a build date
 * and are retired over time: when RunInstances says `InvalidImageId.NotFound`, update them here
 * (or set the `imageId` option).
 */
export const ALIYUN_IMAGES: Readonly<Record<string, string>> = {
  'ubuntu-22.04': 'ubuntu_22_04_x64_20G_alibase_20240926.vhd',
  'ubuntu-24.04': 'ubuntu_24_04_x64_20G_alibase_20240923.vhd',
  'debian-12': 'debian_12_7_x64_20G_alibase_20240927.vhd',
};
export const DEFAULT_IMAGE_NAME = 'ubuntu-22.04';

/**
 * A name from ALIYUN_IMAGES, or an image id as Aliyun spells them (public `….vhd`, custom `m-…`)
 * passed through; undefined for anything else.
 */
export function mapImage(image: string | undefined, defaultImageId?: string): string | undefined {
  if (!image) return defaultImageId ?? ALIYUN_IMAGES[DEFAULT_IMAGE_NAME];
  return ALIYUN_IMAGES[image] ?? (/\.vhd$|^m-/.test(image) ? image : undefined);
}

export interface AliyunRegion {
  regionId: string;
  localName: string;
  zones: string[];
}

export const ALIYUN_REGIONS: readonly AliyunRegion[] = [
  { regionId: 'cn-hangzhou', localName: '华东1（杭州）', zones: ['cn-hangzhou-h', 'cn-hangzhou-i', 'cn-hangzhou-j'] },
  { regionId: 'cn-shanghai', localName: '华东2（上海）', zones: ['cn-shanghai-l', 'cn-shanghai-m'] },
  { regionId: 'cn-beijing', localName: '华北2（北京）', zones: ['cn-beijing-h', 'cn-beijing-i'] },
  { regionId: 'cn-shenzhen', localName: '华南1（深圳）', zones: ['cn-shenzhen-d', 'cn-shenzhen-e'] },
];
export const DEFAULT_REGION = 'cn-hangzhou';

/** The public API endpoint of a region (HTTPS). */
export function regionEndpoint(regionId: string): string {
  return `ecs.${regionId}.aliyuncs.com`;
}
