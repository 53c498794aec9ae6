/**
 * Redaction, applied generically: by key name everywhere (logs, errors, audit rows), and by the
 * secret marks on provider config schemas (see providers/configSchema.ts).
 */

const SECRET_KEY = /pass(word)?|secret|token|authorization|signature|private.?key|credential/i;
export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Deep copy of `value` with every secret-named field replaced. Cycles are cut, not followed. */
export function redact(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, seen));
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redact(v, seen);
  }
  return out;
}

/** Scrubs `key=value` and `"key":"value"` pairs for secret-named keys, and URL userinfo, out of free text. */
export function redactText(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`)
    .replace(/("?[A-Za-z_-]*(?:password|secret|token|signature)[A-Za-z_-]*"?\s*[:=]\s*)"[^"]*"/gi, `$1"${REDACTED}"`)
    .replace(/((?:password|secret|token|signature)[A-Za-z_-]*=)[^&\s"]+/gi, `$1${REDACTED}`);
}
