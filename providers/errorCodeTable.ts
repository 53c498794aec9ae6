/**
 * A cloud's error codes → FailureKind, as data, in one pattern syntax for every cloud. Each cloud's
 * errors.ts declares its table with `errorCodeTable` and keeps its own fallback (HTTP status,
 * envelope state) for codes the table does not know.
 *
 * Patterns:
 * - `Zone.NotOnSale` — that code exactly.
 * - `Throttling.*` — the code `Throttling` and everything under it on whole dot-separated
 *   segments (`Throttling.User`), but not `ThrottlingX`.
 * - `InvalidParameter*` — everything that starts with `InvalidParameter`, for clouds that name a
 *   family by a word prefix (Tencent's `InvalidParameterValue.Range`).
 *
 * The most specific row wins, whatever the order rows are written in: an exact code beats every
 * wildcard, and a longer wildcard stem beats a shorter one. Case is the cloud's choice, stated
 * when the table is made: `caseSensitive: false` compares codes and patterns case-folded.
 */
import type { FailureKind } from './calls';

export type ErrorCodeRows = Readonly<Record<string, FailureKind>>;

export interface ErrorCodeTableOptions {
  /** False when the cloud's codes vary in case (ECloud); the table is then matched case-folded. */
  caseSensitive: boolean;
}

/** Looks a code up; undefined when no row matches, so the cloud's fallback decides. */
export type ErrorCodeLookup = (code: string | undefined) => FailureKind | undefined;

interface WildcardRow {
  stem: string;
  /** For `A.*`: the bare parent code `A`, which the pattern also matches. */
  parent?: string;
  kind: FailureKind;
}

/** Builds the lookup; throws at module load on a malformed pattern or two rows for one pattern. */
export function errorCodeTable(rows: ErrorCodeRows, opts: ErrorCodeTableOptions): ErrorCodeLookup {
  const fold = opts.caseSensitive ? (s: string) => s : (s: string) => s.toUpperCase();
  const exact = new Map<string, FailureKind>();
  const wildcards: WildcardRow[] = [];
  const seen = new Set<string>();
  for (const [raw, kind] of Object.entries(rows)) {
    const pattern = fold(raw);
    if (seen.has(pattern)) throw new Error(`error code table: "${raw}" appears twice`);
    seen.add(pattern);
    const star = pattern.indexOf('*');
    if (star === -1) {
      exact.set(pattern, kind);
      continue;
    }
    const stem = pattern.slice(0, -1);
    if (star !== pattern.length - 1 || stem === '' || stem === '.') {
      throw new Error(`error code table: "${raw}" — a pattern is a code, optionally ending in one "*"`);
    }
    wildcards.push({ stem, parent: stem.endsWith('.') ? stem.slice(0, -1) : undefined, kind });
  }
  // Longest stem first: the first wildcard that matches is then the most specific one.
  wildcards.sort((a, b) => b.stem.length - a.stem.length);

  return (code) => {
    if (!code) return undefined;
    const c = fold(code);
    return exact.get(c) ?? wildcards.find((w) => c.startsWith(w.stem) || c === w.parent)?.kind;
  };
}
