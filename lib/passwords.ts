/** Strong random passwords for VibeBox logins: 20 chars from upper, lower, digits and a few symbols. */
import { randomInt } from 'node:crypto';

const SETS = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@^_'];
const ALL = SETS.join('');

/**
 * Clouds demand at least one character from 3 of 4 classes (Aliyun, Tencent); every password
 * here has all four, and no character that needs shell or URL quoting trouble (no quotes, $, &, space).
 */
export function generatePassword(length = 20): string {
  const chars = SETS.map((set) => set[randomInt(set.length)]);
  while (chars.length < length) chars.push(ALL[randomInt(ALL.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
