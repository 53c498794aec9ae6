import { happyScript, parseReport, renderEnvFile, shellQuote } from '../../activities/happyScript';

describe('configureHappy script', () => {
  it('quotes values for the shell, quotes included', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(renderEnvFile({ B: 'two words', A: 'x' })).toBe(`A='x'\nB='two words'\n`);
  });

  it('carries the settings, quoted, and nothing secret', () => {
    const script = happyScript({ user: 'vibe', registry: 'https://registry.example/', packages: 'happy-coder', env: { HAPPY_SERVER_URL: 'https://h.example' } });
    expect(script).toContain(`HAPPY_USER='vibe'`);
    expect(script).toContain(`REGISTRY='https://registry.example/'`);
    expect(script).toContain(`HAPPY_SERVER_URL='https://h.example'`);
    expect(script).not.toMatch(/password/i);
  });

  it('reads the report lines: versions and what changed', () => {
    const out = '::step user\n::step verify\n::version 0.13.0\n::claude 2.1.0 (Claude Code)\n::changed user packages env\n';
    expect(parseReport(out)).toEqual({ happyVersion: '0.13.0', claudeVersion: '2.1.0 (Claude Code)', changed: ['user', 'packages', 'env'] });
    expect(parseReport('::version 0.13.0\n::changed \n').changed).toEqual([]);
  });
});
