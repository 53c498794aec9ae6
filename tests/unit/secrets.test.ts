import { z } from 'zod';
import { redact, redactText, REDACTED } from '../../lib/redact';
import { generatePassword } from '../../lib/passwords';
import { SecretBox } from '../../lib/secretBox';
import { redactSettings, secret, secretKeys } from '../../providers/configSchema';
import { generateToken, hashToken } from '../../lib/tokens';

describe('redaction', () => {
  it('replaces secret-named fields at any depth', () => {
    const out = redact({ user: 'a', sshPassword: 'p', nested: { accessKeySecret: 's', list: [{ token: 't' }] } });
    expect(out).toEqual({ user: 'a', sshPassword: REDACTED, nested: { accessKeySecret: REDACTED, list: [{ token: REDACTED }] } });
  });
  it('scrubs credentials in URLs, in text and in string fields', () => {
    expect(redactText('GET https://user:tok3n@registry.example/pkg failed')).toBe(`GET https://${REDACTED}@registry.example/pkg failed`);
    expect(redact({ message: 'postgres://vibebox:s3cret@db:5432/x' })).toEqual({ message: `postgres://${REDACTED}@db:5432/x` });
  });
  it('scrubs key=value and JSON pairs out of text', () => {
    expect(redactText('login failed password=hunter2 for x')).toBe(`login failed password=${REDACTED} for x`);
    expect(redactText('{"Password":"hunter2","Name":"x"}')).toBe(`{"Password":"${REDACTED}","Name":"x"}`);
  });
});

describe('provider config schemas mark secret fields', () => {
  const schema = z.object({ accessKeyId: z.string(), accessKeySecret: secret(z.string()), endpoint: z.string().optional(), token: secret(z.string()).optional() });
  it('lists the marked fields, through optional wrappers', () => {
    expect(secretKeys(schema).sort()).toEqual(['accessKeySecret', 'token']);
  });
  it('redacts exactly those', () => {
    expect(redactSettings(schema, { accessKeyId: 'AK', accessKeySecret: 'SK', endpoint: 'e' })).toEqual({ accessKeyId: 'AK', accessKeySecret: REDACTED, endpoint: 'e' });
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());
  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('hunter2');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('hunter2');
  });
  it('refuses a tampered value', () => {
    const sealed = box.seal('hunter2');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
  it('refuses a key of the wrong size', () => {
    expect(() => new SecretBox('c2hvcnQ=')).toThrow('32 bytes');
  });
});

describe('generated credentials', () => {
  it('passwords are 20 chars with upper, lower, digit and symbol, and differ each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(20);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[!#%+\-=?@^_]/);
      expect(p).not.toMatch(/['"$&\s`\\]/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
  it('tokens are hashed with sha256', () => {
    const t = generateToken();
    expect(t).toMatch(/^vbx_[A-Za-z0-9_-]{43}$/);
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).not.toBe(hashToken(generateToken()));
  });
});
