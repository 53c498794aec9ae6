/**
 * What an emulated cloud sells: regions with their zones, instance types with their sizes and
 * prices. Each cloud emulator converts its adapter's own catalog into this neutral shape; the
 * core checks every create request against it.
 */
import { EmulatorError } from './errors';

export interface InstanceTypeSpec {
  instanceType: string;
  cpu: number;
  memoryGiB: number;
  family?: string;
  /** Hourly price in the cloud's currency, for the cloud's price/offer APIs. */
  price: number;
}

export interface RegionSpec {
  regionId: string;
  /** Display name (e.g. LocalName on Aliyun, RegionName on Tencent). */
  name?: string;
  zones: string[];
}

export interface CloudCatalog {
  regions: RegionSpec[];
  instanceTypes: InstanceTypeSpec[];
}

/**
 * The region and instance type a create asks for, or InvalidParameter with a `reason` (Region,
 * InstanceType, Zone, Image) the cloud layer renders as its own, more specific code.
 */
export function resolveOffer(
  catalog: CloudCatalog,
  req: { region: string; zone?: string; instanceType: string; imageId: string },
): { region: RegionSpec; type: InstanceTypeSpec } {
  const region = catalog.regions.find((r) => r.regionId === req.region);
  if (!region) throw new EmulatorError('InvalidParameter', `unknown region ${req.region}`, { reason: 'Region' });
  const type = catalog.instanceTypes.find((t) => t.instanceType === req.instanceType);
  if (!type) throw new EmulatorError('InvalidParameter', `unknown instance type ${req.instanceType}`, { reason: 'InstanceType' });
  if (req.zone && !region.zones.includes(req.zone)) {
    throw new EmulatorError('InvalidParameter', `zone ${req.zone} is not in region ${req.region}`, { reason: 'Zone' });
  }
  if (!req.imageId) throw new EmulatorError('InvalidParameter', 'an image id is required', { reason: 'Image' });
  return { region, type };
}
