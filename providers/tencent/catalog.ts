/**
 * Tencent Cloud CVM facts kept as data: instance types with list prices, image names → image
 * ids, regions and zones. The adapter prefers what the cloud says (DescribeZoneInstanceConfigInfos)
 * and falls back to this catalog when that query fails or a price is missing; the emulator serves
 * this same catalog as its cloud. Prices and image ids are *assumed* (public list prices at the
 * time of writing, rounded); correct them here — docs/providers/tencent.md lists them as such.
 */

export interface TencentInstanceType {
  instanceType: string;
  family: string;
  cpu: number;
  memoryGiB: number;
  /** List price, CNY per month, pay-as-you-go equivalent (assumed). */
  monthlyCny: number;
}

/** Pay-as-you-go is billed hourly; a month is counted as 720 hours when converting list prices. */
export const HOURS_PER_MONTH = 720;

function family(name: string, rows: Array<[size: string, cpu: number, memoryGiB: number, monthlyCny: number]>): TencentInstanceType[] {
  return rows.map(([size, cpu, memoryGiB, monthlyCny]) => ({ instanceType: `${name}.${size}`, family: name, cpu, memoryGiB, monthlyCny }));
}

/** SA2 (AMD) is the cheapest general-purpose family, S5 (Intel) next, S6 the newest and dearest. */
export const INSTANCE_TYPES: readonly TencentInstanceType[] = [
  ...family('SA2', [
    ['SMALL1', 1, 1, 38],
    ['SMALL2', 1, 2, 58],
    ['SMALL4', 1, 4, 90],
    ['MEDIUM4', 2, 4, 116],
    ['MEDIUM8', 2, 8, 180],
    ['LARGE8', 4, 8, 232],
    ['LARGE16', 4, 16, 360],
    ['2XLARGE16', 8, 16, 464],
    ['2XLARGE32', 8, 32, 720],
  ]),
  ...family('S5', [
    ['SMALL1', 1, 1, 45],
    ['SMALL2', 1, 2, 70],
    ['SMALL4', 1, 4, 108],
    ['MEDIUM4', 2, 4, 140],
    ['MEDIUM8', 2, 8, 216],
    ['LARGE8', 4, 8, 280],
    ['LARGE16', 4, 16, 432],
    ['2XLARGE16', 8, 16, 560],
    ['2XLARGE32', 8, 32, 864],
  ]),
  ...family('S6', [
    ['MEDIUM4', 2, 4, 150],
    ['LARGE8', 4, 8, 300],
    ['2XLARGE16', 8, 16, 600],
  ]),
];

export function catalogType(instanceType: string): TencentInstanceType | undefined {
  return INSTANCE_TYPES.find((t) => t.instanceType === instanceType);
}

export function hourlyCny(t: TencentInstanceType): number {
  return Math.round((t.monthlyCny / HOURS_PER_MONTH) * 10_000) / 10_000;
}

export interface TencentImage {
  imageId: string;
  /** What DescribeInstances reports as DefaultLoginUser for this image on the real cloud. */
  loginUser: string;
  osName: string;
}

/** Image names the platform uses → Tencent public image ids (assumed; public ids are global). */
export const IMAGES: Readonly<Record<string, TencentImage>> = {
  'ubuntu-22.04': { imageId: 'img-487zeit5', loginUser: 'ubuntu', osName: 'Ubuntu Server 22.04 LTS 64bit' },
  'ubuntu-20.04': { imageId: 'img-22trbn9x', loginUser: 'ubuntu', osName: 'Ubuntu Server 20.04 LTS 64bit' },
};
export const DEFAULT_IMAGE = 'ubuntu-22.04';

/** Tencent's smallest Linux system disk (GiB); smaller asks are rounded up to it. */
export const MIN_SYSTEM_DISK_GIB = 20;
export const MAX_SYSTEM_DISK_GIB = 1024;

export interface TencentRegion {
  region: string;
  regionName: string;
  /** Zones with their numeric ZoneId, as DescribeZones reports them. */
  zones: Array<{ zone: string; zoneName: string; zoneId: string }>;
}

export const REGIONS: readonly TencentRegion[] = [
  {
    region: 'ap-guangzhou',
    regionName: '华南地区(广州)',
    zones: [
      { zone: 'ap-guangzhou-3', zoneName: '广州三区', zoneId: '100003' },
      { zone: 'ap-guangzhou-6', zoneName: '广州六区', zoneId: '100006' },
    ],
  },
  {
    region: 'ap-shanghai',
    regionName: '华东地区(上海)',
    zones: [
      { zone: 'ap-shanghai-2', zoneName: '上海二区', zoneId: '200002' },
      { zone: 'ap-shanghai-4', zoneName: '上海四区', zoneId: '200004' },
    ],
  },
  {
    region: 'ap-beijing',
    regionName: '华北地区(北京)',
    zones: [
      { zone: 'ap-beijing-6', zoneName: '北京六区', zoneId: '800006' },
      { zone: 'ap-beijing-7', zoneName: '北京七区', zoneId: '800007' },
    ],
  },
];
export const DEFAULT_REGION = 'ap-guangzhou';

/** The zone used when nobody chose one and the cloud could not be asked. */
export function defaultZone(region: string): string | undefined {
  return REGIONS.find((r) => r.region === region)?.zones[0]?.zone;
}
