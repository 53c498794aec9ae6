/**
 * Candidate ordering for creation (seed: 选择策略, 故障恢复): the requested provider first (in
 * the requested region first), then its other regions, then the other enabled providers. The
 * workflow walks this list on InsufficientStock: next region, then next provider.
 */
import type { ProviderType } from '../providers/types';
import type { Candidate } from './definitions';

export interface SelectionInput {
  enabled: ProviderType[];
  regionsOf: (type: ProviderType) => string[];
  providerType?: ProviderType;
  requestedRegion?: string;
}

export class SelectionError extends Error {}

export function orderCandidates(input: SelectionInput): Candidate[] {
  const { enabled, providerType, requestedRegion } = input;
  if (providerType && !enabled.includes(providerType)) {
    throw new SelectionError(`provider "${providerType}" is not enabled (enabled: ${enabled.join(', ') || 'none'})`);
  }
  const types = providerType ? [providerType, ...enabled.filter((t) => t !== providerType)] : enabled;
  const candidates: Candidate[] = [];
  for (const type of types) {
    const regions = input.regionsOf(type);
    const ordered = requestedRegion && regions.includes(requestedRegion)
      ? [requestedRegion, ...regions.filter((r) => r !== requestedRegion)]
      : regions;
    for (const region of ordered) candidates.push({ providerType: type, region });
  }
  if (requestedRegion && !candidates.some((c) => c.region === requestedRegion)) {
    throw new SelectionError(`no enabled provider serves region "${requestedRegion}"`);
  }
  if (candidates.length === 0) throw new SelectionError('no provider is enabled');
  return candidates;
}
