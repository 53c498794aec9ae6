/**
 * Candidate ordering for creation (seed: 选择策略, 故障恢复): the requested provider first (in
 * the requested region first), then its other regions, then the other enabled providers. The
 * workflow walks this list on InsufficientStock: next region, then next provider. Placements where
 * the plan cannot fit (`misfit`) are left out; a requested provider where it fits nowhere is refused.
 */
import type { ProviderType } from '../providers/types';
import type { Candidate } from './definitions';

export interface SelectionInput {
  enabled: ProviderType[];
  regionsOf: (type: ProviderType) => string[];
  providerType?: ProviderType;
  requestedRegion?: string;
  /** Why the plan cannot be placed on a candidate (undefined: it can, or nobody knows). */
  misfit?: (candidate: Candidate) => string | undefined;
}

/** A request selection cannot serve; `field` names the request field at fault. */
export class SelectionError extends Error {
  constructor(
    message: string,
    readonly field: 'providerType' | 'region' | 'planId',
  ) {
    super(message);
  }
}

export function orderCandidates(input: SelectionInput): Candidate[] {
  const { enabled, providerType, requestedRegion } = input;
  if (providerType && !enabled.includes(providerType)) {
    throw new SelectionError(`provider "${providerType}" is not enabled (enabled: ${enabled.join(', ') || 'none'})`, 'providerType');
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
    throw new SelectionError(`no enabled provider serves region "${requestedRegion}"`, 'region');
  }
  if (candidates.length === 0) throw new SelectionError('no provider is enabled', 'providerType');
  return input.misfit ? withoutMisfits(candidates, input.misfit, providerType) : candidates;
}

function withoutMisfits(candidates: Candidate[], misfit: (c: Candidate) => string | undefined, pinned?: ProviderType): Candidate[] {
  const reasons = new Map(candidates.map((c) => [c, misfit(c)]));
  const fitting = candidates.filter((c) => !reasons.get(c));
  if (pinned && !fitting.some((c) => c.providerType === pinned)) {
    throw new SelectionError(`plan does not fit provider "${pinned}": ${reasons.get(candidates[0])}`, 'planId');
  }
  if (fitting.length === 0) {
    throw new SelectionError(`no enabled provider can place this plan: ${[...new Set(reasons.values())].join('; ')}`, 'planId');
  }
  return fitting;
}
