/**
 * Where a new box goes (seed 选择策略, 故障恢复), and why. 策略1 manual: a pinned provider and/or
 * region is honoured — its candidates only, unless the request allowed `fallback`. 策略2 auto: the
 * rule for the request's preference (selectionRules.ts) orders every enabled (provider, region);
 * a requested region keeps only the providers serving it. Candidates the plan cannot fit
 * (`misfit`) or that health checks marked unavailable are left out, each with its reason. The
 * workflow walks the list on failover; the list, the rule and the reason are stored on the box.
 */
import { listPrice } from '../providers/capacity';
import type { ProviderType } from '../providers/types';
import type { Candidate, HealthTarget, Placement } from './definitions';
import { policies } from './policies';
import { AUTO_RULES, City, distanceKm, Preference } from './selectionRules';

export type { Placement };

export interface SelectionInput {
  enabled: ProviderType[];
  regionsOf: (type: ProviderType) => string[];
  providerType?: ProviderType;
  requestedRegion?: string;
  /** The request allows candidates beyond its pin when the pinned ones cannot serve. */
  fallback?: boolean;
  preference?: Preference;
  /** Where the user is, for proximity. */
  near?: City;
  /** The plan's size, for the list-price comparison. */
  spec?: { cpu: number; memory: number };
  /** Why the plan cannot be placed on a candidate (undefined: it can, or nobody knows). */
  misfit?: (candidate: Candidate) => string | undefined;
  /** Why a candidate is unavailable (health checks), undefined when it is not known to be. */
  unavailable?: (candidate: Candidate) => string | undefined;
  weights?: Readonly<Record<ProviderType, number>>;
  /** [0, 1) — the multi-active draw; Math.random unless a test fixes it. */
  random?: () => number;
}

/** A request selection cannot serve; `field` names the request field at fault. */
export class SelectionError extends Error {
  constructor(
    message: string,
    readonly field: 'providerType' | 'region' | 'planId',
    /** `unavailable`: the request is fine, the places it may go are down (health). */
    readonly kind: 'invalid' | 'unavailable' = 'invalid',
  ) {
    super(message);
  }
}

const label = (c: Candidate) => `${c.providerType}/${c.region}`;

export function choosePlacement(input: SelectionInput): Placement {
  const { enabled, providerType, requestedRegion } = input;
  if (providerType && !enabled.includes(providerType)) {
    throw new SelectionError(`provider "${providerType}" is not enabled (enabled: ${enabled.join(', ') || 'none'})`, 'providerType');
  }
  const all = enabled.flatMap((type) => input.regionsOf(type).map((region) => ({ providerType: type, region })));
  if (all.length === 0) throw new SelectionError('no provider is enabled', 'providerType');
  if (requestedRegion && !all.some((c) => c.region === requestedRegion && (!providerType || c.providerType === providerType))) {
    const who = providerType ? `provider "${providerType}"` : 'no enabled provider';
    throw new SelectionError(`${who} ${providerType ? 'does not serve' : 'serves'} region "${requestedRegion}"`, 'region');
  }
  const preference = input.preference ?? 'balanced';
  const { ordered, note } = autoOrder(all, preference, input);
  const pinned = (c: Candidate) => (!providerType || c.providerType === providerType) && (!requestedRegion || c.region === requestedRegion);
  const fallback = Boolean(input.fallback);
  const considered = [...ordered.filter(pinned), ...(fallback ? ordered.filter((c) => !pinned(c)) : [])];

  const excluded: Placement['excluded'] = [];
  const candidates = considered.filter((c) => {
    const why = input.misfit?.(c) ?? input.unavailable?.(c);
    if (why) excluded.push({ ...c, why });
    return !why;
  });
  refuseWhenUnserved(input, considered, candidates, excluded);

  // Naming a provider is manual selection (策略1); a region alone is auto selection's region rule.
  const manual = Boolean(providerType);
  const pin = [providerType && `provider ${providerType}`, requestedRegion && `region ${requestedRegion}`].filter(Boolean).join(', ');
  const beyond = fallback ? ', then the auto order (fallback allowed)' : ', nowhere else';
  const first = candidates[0];
  const why = manual
    ? `manual: pinned to ${pin}${beyond}`
    : `auto, ${AUTO_RULES[preference].why}${requestedRegion ? `; region ${requestedRegion} only${fallback ? beyond : ''}` : ''}`;
  const left = excluded.length ? `; left out: ${excluded.map((e) => `${label(e)} (${e.why})`).join('; ')}` : '';
  return {
    strategy: manual ? 'manual' : 'auto',
    preference,
    fallback,
    candidates,
    reason: `${why}; first ${label(first)}${note(first)} of ${candidates.length} candidate(s)${left}`,
    excluded,
  };
}

/** The candidates in order, for the failover walk (choosePlacement without the explanation). */
export function orderCandidates(input: SelectionInput): Candidate[] {
  return choosePlacement(input).candidates;
}

/** Throws when nothing the request allows is left, naming why (plan fit: 400; health: unavailable). */
function refuseWhenUnserved(input: SelectionInput, considered: Candidate[], kept: Candidate[], excluded: Placement['excluded']): void {
  const { providerType } = input;
  const misfits = considered.filter((c) => input.misfit?.(c));
  // A pinned provider the plan fits nowhere is a bad request, fallback or not.
  if (providerType && !considered.some((c) => c.providerType === providerType && !input.misfit?.(c))) {
    throw new SelectionError(`plan does not fit provider "${providerType}": ${input.misfit?.(misfits[0])}`, 'planId');
  }
  if (kept.length > 0) return;
  const reasons = [...new Set(excluded.map((e) => e.why))].join('; ');
  if (misfits.length === considered.length) throw new SelectionError(`no enabled provider can place this plan: ${reasons}`, 'planId');
  const field = providerType ? 'providerType' : input.requestedRegion ? 'region' : 'providerType';
  const where = input.providerType || input.requestedRegion ? 'the requested placement is' : 'every enabled provider is';
  throw new SelectionError(`${where} unavailable: ${reasons}`, field, 'unavailable');
}

interface Ordered {
  ordered: Candidate[];
  /** What made a candidate's place in the order, for the reason: " (¥118/month …)". */
  note: (c: Candidate) => string;
}

/**
 * Every candidate in the order of the preference's rule: the rule's `first` providers ahead of the
 * rest, each group ordered by weights (providers kept together, regions in configured order),
 * proximity to `near` or the plan's list price.
 */
function autoOrder(all: Candidate[], preference: Preference, input: SelectionInput): Ordered {
  const rule = AUTO_RULES[preference];
  const weights = input.weights ?? policies.selection.weights;
  const providerOrder = preference === 'balanced' ? weightedDraw(input.enabled, weights, input.random ?? Math.random) : byWeight(input.enabled, weights);
  const rank = (c: Candidate) => providerOrder.indexOf(c.providerType);
  const byProvider = (a: Candidate, b: Candidate) => rank(a) - rank(b); // stable: regions keep their order
  const group = (c: Candidate) => (rule.first.length === 0 || rule.first.includes(c.providerType) ? 0 : 1);
  const total = input.enabled.reduce((sum, t) => sum + weights[t], 0);
  let key: (c: Candidate) => number | undefined = () => 0;
  let note = (c: Candidate) => ` (${c.providerType} weight ${weights[c.providerType]} of ${total})`;
  if (rule.orderBy === 'proximity' && !input.near) {
    note = (c) => ` (no \`near\` given: by weight, ${c.providerType} ${weights[c.providerType]} of ${total})`;
  } else if (rule.orderBy === 'proximity' && input.near) {
    const near = input.near;
    key = (c) => distanceKm(near, c.region);
    note = (c) => ` (${distanceKm(near, c.region) ?? '?'} km from ${near})`;
  } else if (rule.orderBy === 'price' && input.spec) {
    const spec = input.spec;
    key = (c) => listPrice(c.providerType, spec)?.monthlyCny;
    note = (c) => {
      const price = listPrice(c.providerType, spec);
      return price ? ` (¥${price.monthlyCny}/month, ${price.instanceType})` : ' (no list price)';
    };
  }
  const unknownLast = (v: number | undefined) => v ?? Number.POSITIVE_INFINITY;
  const ordered = [...all].sort((a, b) => group(a) - group(b) || unknownLast(key(a)) - unknownLast(key(b)) || byProvider(a, b));
  return { ordered, note };
}

/** Heavier first; equal weights keep the configured (ENABLED_PROVIDERS) order. */
function byWeight(types: ProviderType[], weights: Readonly<Record<ProviderType, number>>): ProviderType[] {
  return [...types].sort((a, b) => weights[b] - weights[a]);
}

/** Providers drawn one after another, each with probability weight / remaining weight (multi-active). */
function weightedDraw(types: ProviderType[], weights: Readonly<Record<ProviderType, number>>, random: () => number): ProviderType[] {
  const left = byWeight(types, weights);
  const out: ProviderType[] = [];
  while (left.length > 0) {
    const sum = left.reduce((s, t) => s + weights[t], 0);
    let roll = random() * sum;
    const index = Math.max(0, left.findIndex((t) => (roll -= weights[t]) < 0));
    out.push(...left.splice(index, 1));
  }
  return out;
}

/** A stored health row as selection needs it (times as Postgres returns them, or ISO strings). */
export interface HealthRow extends HealthTarget {
  available: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  changedAt: Date | string;
}

/** Selection's `unavailable` lookup from the stored rows: why a (provider, region) is out, or undefined. */
export function unavailableLookup(rows: readonly HealthRow[]): (c: HealthTarget) => string | undefined {
  const out = new Map<string, string>();
  for (const r of rows) {
    if (r.available) continue;
    const since = typeof r.changedAt === 'string' ? r.changedAt : r.changedAt.toISOString();
    out.set(`${r.providerType}/${r.region}`, `unavailable since ${since}: ${r.consecutiveFailures} failed health checks in a row, last: ${r.lastError ?? 'unknown'}`);
  }
  return (c) => out.get(`${c.providerType}/${c.region}`);
}
