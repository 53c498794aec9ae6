/**
 * The runbook under test (issue 11): a box is driven into `error` by an emulator fault, then
 * brought back with the `temporal` commands exactly as docs/operations.md writes them — read from
 * the document, `<id>` filled in, run by the real temporal CLI against the test's Temporal server.
 * A runbook line that stops working (a renamed Update, a changed flag) fails here.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EmulatorHandle } from '../../providers/emulation';
import { LocalClouds, startLocalClouds } from '../../providers/localClouds';
import { workflowIdFor } from '../../workflows/definitions';
import { eventually, startPlatform, TestPlatform } from '../support/platform';

const run = promisify(execFile);
const runbook = fs.readFileSync(path.join(__dirname, '../../docs/operations.md'), 'utf8');

let clouds: LocalClouds;
let aliyun: EmulatorHandle;
let p: TestPlatform;

beforeAll(async () => {
  clouds = await startLocalClouds({ VIBEBOX_EMULATOR_BACKING: 'docker', CHINAMOBILE_ENABLED: 'false', TENCENT_ENABLED: 'false' });
  aliyun = clouds.handles.find((h) => h.cloud.cloud === 'aliyun')!;
  p = await startPlatform({ ...clouds.env, ENABLED_PROVIDERS: 'aliyun', ALIYUN_REGIONS: 'cn-hangzhou' });
}, 180_000);
afterAll(async () => {
  await p?.close();
  await clouds?.close();
});

/** The command the runbook gives in the table row that starts with `situation`, for box `id`. */
function runbookCommand(situation: string, id: string): string {
  const row = runbook.split('\n').find((line) => line.startsWith(`| ${situation}`));
  if (!row) throw new Error(`docs/operations.md has no runbook row "${situation}"`);
  const command = /`(temporal [^`]+)`/.exec(row)?.[1];
  if (!command) throw new Error(`the runbook row "${situation}" gives no temporal command`);
  return command.replaceAll('<id>', id);
}

/** Runs a runbook command as an operator would type it, against this test's Temporal. */
async function operator(command: string): Promise<string> {
  try {
    const { stdout } = await run('bash', ['-c', command], {
      env: { ...process.env, TEMPORAL_ADDRESS: p.config.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: p.config.TEMPORAL_NAMESPACE },
      timeout: 120_000,
    });
    return stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`runbook command failed: ${command}\n${stderr ?? ''}${stdout ?? ''}`);
  }
}

const statusOf = async (token: string, id: string) => (await p.call(token, 'GET', `/api/vibeboxes/${id}`)).body;

it('a box in error after a failed provisioning comes back with the runbook’s retry, and survives its workflow reset', async () => {
  const { token } = await p.newUser();
  // The cloud answers every launch with a 503: the create's tries run out and the box is `error`.
  aliyun.cloud.faults.inject({ action: 'RunInstances', kind: 'http5xx', status: 503, times: 'forever' });
  const created = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'aliyun' });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  const failed = await eventually(() => statusOf(token, id), (b) => b.status !== 'provisioning', 5 * 60_000, 1_000);
  expect(failed.status).toBe('error');
  expect(failed.lastError).toMatch(/^Transient/);

  // The outage is over; the operator follows the runbook.
  aliyun.cloud.faults.clear();
  await operator(runbookCommand('Box is `error` after a failed provisioning', id));
  const active = await eventually(() => statusOf(token, id), (b) => b.status === 'active' || b.status === 'error', 10 * 60_000, 2_000);
  expect(active.status).toBe('active');

  // "Workflow code had a bug": a reset onto the last workflow task starts a new run that carries on.
  const before = await p.temporal.workflow.getHandle(workflowIdFor(id)).describe();
  await operator(runbookCommand('Workflow code had a bug', id).replace('#NN', '#runbook-test'));
  const after = await p.temporal.workflow.getHandle(workflowIdFor(id)).describe();
  expect(after.runId).not.toBe(before.runId);
  expect(after.status.name).toBe('RUNNING');
  // The tctl habit's replacement, from the same document, reads the state of the new run.
  const queryRow = runbook.split('\n').find((l) => l.startsWith('| `tctl workflow query'))!;
  const query = /\| `(temporal workflow query[^`]+)`/.exec(queryRow)![1].replace('ID', workflowIdFor(id));
  expect(JSON.parse((await operator(`${query} --output json`)).trim())).toMatchObject({ queryResult: [expect.objectContaining({ status: 'active' })] });

  // "The user wants it gone", as the runbook says.
  await operator(runbookCommand('Box is `error` and the user wants it gone', id));
  await eventually(() => p.call(token, 'GET', `/api/vibeboxes/${id}`), (r) => r.status === 404, 5 * 60_000, 1_000);
  // Nothing left behind at the cloud.
  await eventually(async () => aliyun.cloud.list({}).filter((i) => i.tags?.vibeboxId === id).length, (n) => n === 0, 2 * 60_000, 1_000);
}, 25 * 60_000);
