/**
 * Provider settings are declared as a zod object per provider (DevPod style). Secret fields are
 * marked with `secret(...)` so config can be logged and shown with those fields redacted,
 * without the core knowing any provider's internals.
 */
import { z } from 'zod';
import { REDACTED } from '../lib/redact';

const secretFields = z.registry<{ secret: true }>();

/** Marks a schema field as secret: it is redacted by `redactSettings`. */
export function secret<T extends z.ZodType>(schema: T): T {
  secretFields.add(schema, { secret: true });
  return schema;
}

function isSecret(schema: z.ZodType): boolean {
  if (secretFields.has(schema)) return true;
  // Optional/default wrappers carry the mark on their inner type.
  const inner = (schema as unknown as { unwrap?: () => z.ZodType }).unwrap;
  return typeof inner === 'function' ? isSecret(inner.call(schema)) : false;
}

/** Names of the fields of an object schema that are marked secret. */
export function secretKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => isSecret(field as z.ZodType))
    .map(([key]) => key);
}

/** A copy of `settings` safe to log: marked fields replaced. */
export function redactSettings<T extends Record<string, unknown>>(schema: z.ZodObject, settings: T): T {
  const out: Record<string, unknown> = { ...settings };
  for (const key of secretKeys(schema)) if (out[key] !== undefined) out[key] = REDACTED;
  return out as T;
}
