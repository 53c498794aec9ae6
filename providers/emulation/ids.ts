/**
 * Minting the identifiers an emulated cloud hands out: instance ids (cloud-shaped when the cloud
 * emulator passes its own minter), VPC-looking private addresses, and request ids in the shape a
 * cloud emulator picks for its wire.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** An id from `mint` that `taken` does not already hold. */
export function uniqueId(mint: () => string, taken: (id: string) => boolean): string {
  for (;;) {
    const id = mint();
    if (!taken(id)) return id;
  }
}

/** Used when the cloud emulator brings no id shape of its own. */
export function neutralInstanceId(): string {
  return `i-${randomBytes(10).toString('hex')}`;
}

/** 10.0.0.0/8 addresses from a counter: unique, VPC-looking, never dialled. */
export class PrivateAddresses {
  private counter = 0;

  /** How many were handed out: a restarted emulator goes on from there. */
  get issued(): number {
    return this.counter;
  }

  resumeAt(issued: number): void {
    this.counter = Math.max(this.counter, issued);
  }

  next(): string {
    const n = this.counter++;
    const net = Math.floor(n / 253);
    return `10.${(net >> 8) & 255}.${net & 255}.${(n % 253) + 2}`;
  }
}

/** The request-id shapes clouds use; each cloud emulator names its own. */
export type RequestIdStyle = 'uuid-upper' | 'uuid-lower' | 'hex32';

/** A request id in the given shape: an upper- or lower-case UUID, or 32 bare hex digits. */
export function mintRequestId(style: RequestIdStyle = 'uuid-upper'): string {
  switch (style) {
    case 'uuid-upper':
      return randomUUID().toUpperCase();
    case 'uuid-lower':
      return randomUUID();
    case 'hex32':
      return randomBytes(16).toString('hex');
  }
}

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `prefix` and `length` random lower-case letters and digits: Aliyun's `i-…`, Tencent's `ins-…`. */
export function lowerAlphanumericId(prefix: string, length: number): string {
  return prefix + [...randomBytes(length)].map((b) => LOWER_ALPHANUMERIC[b % LOWER_ALPHANUMERIC.length]).join('');
}
