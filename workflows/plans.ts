/** Subscription plans → resource specs, in one table. */
export const PLANS = {
  basic: { cpu: 2, memory: 4, disk: 40, label: 'Basic (2 vCPU, 4 GiB, 40 GiB)' },
  pro: { cpu: 4, memory: 8, disk: 80, label: 'Pro (4 vCPU, 8 GiB, 80 GiB)' },
  enterprise: { cpu: 8, memory: 16, disk: 160, label: 'Enterprise (8 vCPU, 16 GiB, 160 GiB)' },
} as const;

export type PlanId = keyof typeof PLANS;
export const PLAN_IDS = Object.keys(PLANS) as [PlanId, ...PlanId[]];

export function specForPlan(planId: PlanId): { cpu: number; memory: number; disk: number } {
  const { cpu, memory, disk } = PLANS[planId];
  return { cpu, memory, disk };
}
