/** What the Temporal Web UI shows of a box: the summary, static details and current details texts. */
import type { VibeBoxState } from '../../workflows/definitions';
import { boxCurrentDetails, boxStaticDetails, boxSummary } from '../../workflows/uiText';

const who = { vibeboxId: 'vb-abcdefghij', userId: 'u-1', planId: 'pro' };

it('the summary names box, user and plan on one line', () => {
  expect(boxSummary(who)).toBe('VibeBox vb-abcdefghij · user u-1 · plan pro');
  expect(boxSummary(who)).not.toContain('\n');
});

it('the static details say what was asked for, automatic where nothing was', () => {
  expect(boxStaticDetails({ planId: 'pro' }).split('\n')).toEqual([
    '**Plan:** pro — Pro (4 vCPU, 8 GiB, 80 GiB)',
    '**Requested provider:** automatic',
    '**Requested region:** automatic',
  ]);
  expect(boxStaticDetails({ planId: 'basic', providerType: 'aliyun', region: 'cn-hangzhou', expiresAt: '2027-01-01T00:00:00.000Z' })).toContain(
    '**Requested provider:** aliyun\n**Requested region:** cn-hangzhou\n**Subscription ends:** 2027-01-01T00:00:00.000Z',
  );
});

describe('current details', () => {
  const placed: VibeBoxState = {
    status: 'active',
    step: 'ready',
    round: 1,
    resource: { providerType: 'docker', region: 'local', resourceId: 'c0ffee', ipAddress: '127.0.0.1', sshPort: 32768, metadata: {} },
  };

  it('repeat the summary (continue-as-new drops static metadata) and say where the box is', () => {
    expect(boxCurrentDetails(who, placed, { stepSince: '2026-11-27T08:00:00.000Z' }).split('\n')).toEqual([
      'VibeBox vb-abcdefghij · user u-1 · plan pro',
      '',
      '**Status:** active',
      '**Step:** ready (since 2026-11-27T08:00:00.000Z)',
      '**Provider:** docker',
      '**Region:** local',
      '**Resource:** c0ffee at 127.0.0.1:32768',
      '**Last error:** —',
    ]);
  });

  it('show the candidate being tried before anything exists there, and the last error', () => {
    const failed: VibeBoxState = { status: 'error', step: 'failed', round: 1, lastError: 'InsufficientStock: no stock in cn-beijing-a' };
    const text = boxCurrentDetails(
      who,
      failed,
      { trying: { providerType: 'chinamobile', region: 'cn-beijing' } },
    );
    expect(text).toContain('**Provider:** chinamobile\n**Region:** cn-beijing\n_(trying this candidate; nothing created there yet)_');
    expect(text).toContain('**Last error:** InsufficientStock: no stock in cn-beijing-a');
  });

  it('show dashes for what is not known yet', () => {
    const fresh: VibeBoxState = { status: 'provisioning', round: 0 };
    expect(boxCurrentDetails(who, fresh)).toContain('**Step:** —\n**Provider:** —\n**Region:** —\n**Last error:** —');
  });
});
