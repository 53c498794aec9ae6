/**
 * What the Temporal Web UI shows of a VibeBox's workflow besides ids: a one-line static summary
 * (box, user, plan) given at start, static details (what was asked for), and current details
 * (where the box is now) that the workflow rewrites at every state change. Pure text builders,
 * shared by the API (start options) and the workflow (setCurrentDetails); no secrets in them,
 * since both end up in the workflow's history and metadata.
 */
import { PLANS, type PlanId } from './plans';

// Shapes of their own (VibeBoxState and the workflow input fit them): definitions.ts builds the
// start options from this module, so importing it back would be a circle.
interface Identity {
  vibeboxId: string;
  userId: string;
  planId: string;
}
interface Place {
  providerType: string;
  region: string;
}
interface BoxNow {
  status: string;
  step?: string;
  lastError?: string;
  resource?: Place & { resourceId: string; ipAddress?: string; sshPort?: number };
}

/** One line (Temporal: the summary is single-line markdown) that names the box in the list page. */
export function boxSummary(box: Identity): string {
  return `VibeBox ${box.vibeboxId} · user ${box.userId} · plan ${box.planId}`;
}

/** What was asked for, fixed for the life of the run. */
export function boxStaticDetails(input: { planId: string; providerType?: string; region?: string; expiresAt?: string }): string {
  const plan = PLANS[input.planId as PlanId];
  return [
    `**Plan:** ${input.planId}${plan ? ` — ${plan.label}` : ''}`,
    `**Requested provider:** ${input.providerType ?? 'automatic'}`,
    `**Requested region:** ${input.region ?? 'automatic'}`,
    ...(input.expiresAt ? [`**Subscription ends:** ${input.expiresAt}`] : []),
  ].join('\n');
}

/**
 * Where the box is now. Starts with the summary line again: static metadata does not survive
 * continue-as-new (the SDK's continueAsNew takes no summary), current details are set by every run.
 */
export function boxCurrentDetails(input: Identity, box: BoxNow, extra: { trying?: Place; stepSince?: string } = {}): string {
  const where = box.resource ?? extra.trying;
  const lines = [
    boxSummary(input),
    '',
    `**Status:** ${box.status}`,
    `**Step:** ${box.step ?? '—'}${extra.stepSince ? ` (since ${extra.stepSince})` : ''}`,
    `**Provider:** ${where?.providerType ?? '—'}`,
    `**Region:** ${where?.region ?? '—'}`,
  ];
  if (!box.resource && extra.trying) lines.push('_(trying this candidate; nothing created there yet)_');
  if (box.resource) {
    const r = box.resource;
    lines.push(`**Resource:** ${r.resourceId}${r.ipAddress ? ` at ${r.ipAddress}:${r.sshPort ?? 22}` : ''}`);
  }
  lines.push(`**Last error:** ${box.lastError ?? '—'}`);
  return lines.join('\n');
}
