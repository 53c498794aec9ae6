/**
 * The pairing activities' own rules, where no box is needed: the expiry check, the installer's
 * framing of the box tool, and how tool output is read. (The box itself: tests/e2e/happyPairing.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHappyPairingActivities } from '../../activities/happyPairing';
import { pairingToolInstaller, parseTags } from '../../activities/happyPairingTool';
import type { Db } from '../../lib/db';
import type { SecretBox } from '../../lib/secretBox';

it('a pairing whose expiry is already past is refused as InvalidRequest before the box is touched', async () => {
  const untouchable = new Proxy({}, { get: () => { throw new Error('the database was touched'); } });
  const acts = createHappyPairingActivities({ db: untouchable as Db, secrets: untouchable as SecretBox, happy: { user: 'vibe', registry: '', packages: '', env: {} } });
  const input = { vibeboxId: 'vb-x', host: '127.0.0.1', port: 22, user: 'root', connectDeadlineMs: 1_000, expiresAt: new Date(Date.now() - 1000).toISOString() };
  const failure = await new MockActivityEnvironment().run(acts.beginHappyPairing, input).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'InvalidRequest', nonRetryable: true });
  expect((failure as Error).message).toMatch(/not in the future/);
});

it('the installer carries both box files whole, each in a heredoc no line of theirs can end', () => {
  const installer = pairingToolInstaller();
  for (const [file, delimiter] of [
    ['happy-pairing.mjs', 'VIBEBOX_HAPPY_PAIRING_MJS'],
    ['happy-pairing.sh', 'VIBEBOX_HAPPY_PAIRING_SH'],
  ]) {
    const content = fs.readFileSync(path.join(__dirname, '../../activities/box', file), 'utf8');
    expect(content.split('\n')).not.toContain(delimiter);
    expect(installer).toContain(`<<'${delimiter}'\n${content}${content.endsWith('\n') ? '' : '\n'}${delimiter}\n`);
  }
});

it('reads only well-formed ::tag lines, the last of each tag winning', () => {
  const out = 'noise\n::poll {"polls":1}\n::poll {"polls":2}\n::outcome {"outcome":"expired"}\n::bad {not json\n  ::indented {"x":1}\n';
  expect(parseTags(out)).toEqual({ poll: { polls: 2 }, outcome: { outcome: 'expired' } });
});
