/** The chaos table (one row per scenario) and the list of problems under it, as Markdown. */
import type { ScenarioResult } from './scenario';

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(0)} s`);

export function chaosTable(results: ScenarioResult[]): string {
  const header = ['scenario', 'fault', 'requests', 'boxes (202)', 'active', 'error', 'lost', 'duplicates', 'orphans', 'converged', 'time to converge', 'steps re-run'];
  const rows = results.map((r) => {
    const v = r.verdict;
    return [
      r.name,
      r.fault.summary,
      String(v.requests),
      String(v.accepted),
      String(v.active),
      String(v.error),
      String(v.lost),
      String(v.duplicates),
      String(v.orphans),
      `${v.accepted - v.unsettled}/${v.accepted}`,
      seconds(r.timeToConvergeMs),
      r.reruns ? `${r.reruns.rerun}/${r.reruns.interrupted}` : '—',
    ];
  });
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function chaosReport(results: ScenarioResult[]): string {
  const lines = [chaosTable(results), ''];
  for (const r of results) {
    lines.push(`${r.name} (${r.title}; seed ${r.seed}): ${r.problems.length ? `${r.problems.length} problem(s)` : 'no problems'}; cleanup of ${r.cleanup.boxes} boxes took ${seconds(r.cleanup.ms)}`);
    for (const e of r.fault.events) lines.push(`  - ${e.target} struck at ${seconds(e.at)} with ${e.inFlight} box(es) in flight${e.note ? `: ${e.note}` : ''}`);
    const answer = (q: ScenarioResult['requests'][number]) => `#${q.seq} → ${q.status || 'no answer'}${q.error ? ` ${q.error}` : ''} in ${((q.answeredAt - q.sentAt) / 1000).toFixed(1)} s`;
    const refused = r.requests.filter((q) => q.phase === 'load' && q.status !== 202);
    if (refused.length) lines.push(`  - refused or unanswered: ${refused.map(answer).join('; ')}`);
    const during = r.requests.filter((q) => q.phase !== 'load');
    if (during.length) lines.push(`  - sent during the outage: ${during.map(answer).join('; ')}`);
    for (const e of r.verdict.errors) lines.push(`  - ${e.id} (${e.cloud}) ended in error: ${e.reason.slice(0, 300)}`);
    for (const p of r.problems) lines.push(`  ! ${p}`);
  }
  return lines.join('\n');
}
