/**
 * ECloud data the adapter and the emulator share: regions (resource pools) with their API hosts
 * and zones, the instance specs with list prices, and the image names callers' short names map to.
 *
 * Provenance, so each row can be corrected against the console:
 * - Pool ids ↔ OpenAPI region ids ↔ API hosts: confirmed from the cloudpods ECloud driver
 *   (yunionio/cloudmux pkg/multicloud/ecloud, regionIdToPoolId and openApiRegionHostFallback).
 * - Zone ids: INVENTED (no public listing found); the real ones come from describe-zones.
 * - Spec names and prices: INVENTED in ECloud's family.size.ratio style (no public price list
 *   was found); anchored on the seed's "2C4G ¥180/月". They are the fallback when the specs
 *   query fails, and the price order the adapter uses to pick the cheapest available spec.
 * - Image names: "BC-Linux 8.1 64位" style confirmed from aesirteam/cmecloud-golang-sdk; the
 *   Ubuntu/CentOS names follow the same pattern but are ASSUMED.
 */

export interface EcloudRegion {
  /** Resource pool id, what VibeBox calls the region (CHINAMOBILE_REGION). */
  poolId: string;
  /** The OpenAPI's own region id for the same pool (also accepted in the Region-Id header). */
  openApiRegionId: string;
  host: string;
  name: string;
  zones: string[];
}

export const ECLOUD_REGIONS: EcloudRegion[] = [
  { poolId: 'CIDC-RP-25', openApiRegionId: 'cn-jiangsu-1', host: 'api-wuxi-1.cmecloud.cn', name: '华东-苏州', zones: ['wuxi-az1', 'wuxi-az2'] },
  { poolId: 'CIDC-RP-29', openApiRegionId: 'cn-beijing-1', host: 'api-beijing-2.cmecloud.cn', name: '华北-北京3', zones: ['beijing3-az1', 'beijing3-az2'] },
  { poolId: 'CIDC-RP-26', openApiRegionId: 'cn-guangdong-1', host: 'api-dongguan-1.cmecloud.cn', name: '华南-广州3', zones: ['dongguan-az1', 'dongguan-az2'] },
  { poolId: 'CIDC-RP-28', openApiRegionId: 'cn-henan-1', host: 'api-zhengzhou-1.cmecloud.cn', name: '华中-郑州', zones: ['zhengzhou-az1', 'zhengzhou-az2'] },
];

export const DEFAULT_REGION = 'CIDC-RP-25';

/** Finds a region by pool id or OpenAPI region id. */
export function findRegion(id: string): EcloudRegion | undefined {
  return ECLOUD_REGIONS.find((r) => r.poolId === id || r.openApiRegionId === id);
}

/** Production endpoint of a region; unknown ids follow the documented api-<region> pattern. */
export function defaultEndpoint(region: string): string {
  const host = findRegion(region)?.host ?? `api-${region.toLowerCase()}.cmecloud.cn`;
  return `https://${host}:8443`;
}

export interface EcloudSpec {
  specsName: string;
  cpu: number;
  memoryGiB: number;
  /** List price, CNY per month (pay-by-hour costs about this / 720 per hour). */
  priceCnyPerMonth: number;
}

export const ECLOUD_SPECS: EcloudSpec[] = [
  { specsName: 's6.medium.2', cpu: 1, memoryGiB: 2, priceCnyPerMonth: 95 },
  { specsName: 's6.large.2', cpu: 2, memoryGiB: 4, priceCnyPerMonth: 180 },
  { specsName: 's6.large.4', cpu: 2, memoryGiB: 8, priceCnyPerMonth: 250 },
  { specsName: 'c6.xlarge.2', cpu: 4, memoryGiB: 8, priceCnyPerMonth: 330 },
  { specsName: 's6.xlarge.2', cpu: 4, memoryGiB: 8, priceCnyPerMonth: 350 },
  { specsName: 's6.xlarge.4', cpu: 4, memoryGiB: 16, priceCnyPerMonth: 480 },
  { specsName: 's6.2xlarge.2', cpu: 8, memoryGiB: 16, priceCnyPerMonth: 690 },
  { specsName: 's6.2xlarge.4', cpu: 8, memoryGiB: 32, priceCnyPerMonth: 950 },
];

export const HOURS_PER_MONTH = 720;

/** Callers' short image names → ECloud image names. Unknown names are passed through as given. */
export const IMAGE_NAMES: Record<string, string> = {
  'ubuntu-22.04': 'Ubuntu 22.04 64位',
  'ubuntu-20.04': 'Ubuntu 20.04 64位',
  'centos-7.9': 'CentOS 7.9 64位',
  'bclinux-8.1': 'BC-Linux 8.1 64位',
};

/** A VibeBox needs sshd and Node.js from apt: Ubuntu LTS unless told otherwise. */
export const DEFAULT_IMAGE = 'ubuntu-22.04';

export function mapImageName(image: string | undefined): string {
  const key = image ?? DEFAULT_IMAGE;
  return IMAGE_NAMES[key] ?? key;
}
