/**
 * Auto selection's rules as data (seed 选择策略, 策略2 规则引擎): which preference puts which
 * providers first and how the rest are ordered, plus the geography "region proximity" is measured
 * with. selection.ts applies them; changing a rule means changing a row here.
 */
import type { ProviderType } from '../providers/types';

/** What a create request may ask auto selection to optimise for. */
export const PREFERENCES = ['balanced', 'low-latency', 'container', 'cheapest'] as const;
export type Preference = (typeof PREFERENCES)[number];

/** How candidates inside a rule's groups are ordered. */
export type Ordering = 'weights' | 'proximity' | 'price';

export interface AutoRule {
  /** Providers tried before every other one, in this order of groups (the rest follow). */
  first: readonly ProviderType[];
  orderBy: Ordering;
  /** The sentence the placement's reason starts with. */
  why: string;
}

export const CHINESE_CLOUDS: readonly ProviderType[] = ['chinamobile', 'aliyun', 'tencent'];

export const AUTO_RULES: Readonly<Record<Preference, AutoRule>> = {
  /** 多活: spread new boxes over every healthy provider by policies.selection.weights. */
  balanced: { first: [], orderBy: 'weights', why: 'multi-active: provider drawn by weight' },
  /** 用户在中国 且 需要低延迟 → 移动云/阿里云/腾讯云, nearest region first. */
  'low-latency': { first: CHINESE_CLOUDS, orderBy: 'proximity', why: 'low latency in China: Chinese clouds, nearest region first' },
  /** 用户需要容器化 → Docker. */
  container: { first: ['docker'], orderBy: 'weights', why: 'container preferred: Docker first' },
  /** 成本最优 → compare the plan's list price everywhere, cheapest first. */
  cheapest: { first: [], orderBy: 'price', why: "cheapest: the plan's list price compared across every healthy provider and region" },
};

/** Where a user may say they are (`near`), for proximity; latitude and longitude in degrees. */
export const CITIES = {
  beijing: [39.9, 116.4],
  shanghai: [31.2, 121.5],
  hangzhou: [30.3, 120.2],
  suzhou: [31.3, 120.6],
  guangzhou: [23.1, 113.3],
  shenzhen: [22.5, 114.1],
  zhengzhou: [34.7, 113.6],
  chengdu: [30.7, 104.1],
  wuhan: [30.6, 114.3],
  hongkong: [22.3, 114.2],
} as const satisfies Record<string, readonly [number, number]>;
export type City = keyof typeof CITIES;
export const CITY_NAMES = Object.keys(CITIES) as [City, ...City[]];

/** Where each known region's machines are (the catalogs' regions), by the city they are in or near. */
export const REGION_CITY: Readonly<Record<string, City>> = {
  // China Mobile ECloud resource pools
  'CIDC-RP-25': 'suzhou',
  'CIDC-RP-29': 'beijing',
  'CIDC-RP-26': 'guangzhou',
  'CIDC-RP-28': 'zhengzhou',
  // Alibaba ECS
  'cn-hangzhou': 'hangzhou',
  'cn-shanghai': 'shanghai',
  'cn-beijing': 'beijing',
  'cn-shenzhen': 'shenzhen',
  // Tencent CVM
  'ap-guangzhou': 'guangzhou',
  'ap-shanghai': 'shanghai',
  'ap-beijing': 'beijing',
};

/** Great-circle distance in km between a city and a region's city; undefined when the region's place is unknown. */
export function distanceKm(from: City, region: string): number | undefined {
  const to = REGION_CITY[region];
  if (!to) return undefined;
  const [lat1, lon1] = CITIES[from].map((d) => (d * Math.PI) / 180);
  const [lat2, lon2] = CITIES[to].map((d) => (d * Math.PI) / 180);
  const h = Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2;
  return Math.round(2 * 6371 * Math.asin(Math.sqrt(h)));
}
