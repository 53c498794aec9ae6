/**
 * docker-compose.yml is valid for `docker compose` (checked by tools/compose-check, which runs the
 * same loader, compose-go), and the checker really refuses broken files — so CI's check can fail.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

function check(file: string): { ok: boolean; output: string } {
  try {
    const out = execFileSync('go', ['-C', path.join(root, 'tools', 'compose-check'), 'run', '.', file], {
      env: { ...process.env, VIBEBOX_SECRET_KEY: 'test-only' },
      stdio: 'pipe',
      encoding: 'utf8',
    });
    return { ok: true, output: out };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: string }).stderr) };
  }
}

function checkVariant(edit: (text: string) => string): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
  try {
    const broken = edit(compose);
    expect(broken).not.toBe(compose); // the edit applied: a test that cannot fail proves nothing
    fs.writeFileSync(path.join(dir, 'docker-compose.yml'), broken);
    fs.mkdirSync(path.join(dir, 'docker', 'app'), { recursive: true });
    return check(path.join(dir, 'docker-compose.yml'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

it('accepts the repository docker-compose.yml, with the app built from the local base image', () => {
  const result = check(path.join(root, 'docker-compose.yml'));
  expect(result).toMatchObject({ ok: true });
  expect(result.output).toMatch(/services \[api postgres temporal temporal-ui worker\]/);
  expect(compose).toMatch(/dockerfile: docker\/app\/Dockerfile/);
  expect(fs.readFileSync(path.join(root, 'docker', 'app', 'Dockerfile'), 'utf8')).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
});

it.each([
  ['a dependency on a service that does not exist', (t: string) => t.replace('depends_on: [temporal]', 'depends_on: [temporall]'), /undefined service "temporall"/],
  ['an unknown depends_on condition', (t: string) => t.replace('condition: service_healthy }', 'condition: service_ready }'), /condition/],
  ['a key the Compose Specification does not have', (t: string) => t.replace('  postgres:\n', '  postgres:\n    restart_policy: always\n'), /restart_policy/],
  ['YAML that does not parse', (t: string) => t.replace('services:\n', 'services:\n  : [\n'), /yaml|parse|mapping/i],
])('refuses %s', (_what, edit, message) => {
  const result = checkVariant(edit);
  expect(result.ok).toBe(false);
  expect(result.output).toMatch(message);
});
