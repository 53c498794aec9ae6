import { kindOf, toProviderError } from '../../providers/chinamobile/errors';
import { renderInstance } from '../../providers/chinamobile/emulator/render';
import { chooseInstanceType, catalogOffers } from '../../providers/chinamobile/typeSelection';
import { mapEcloudStatus } from '../../providers/chinamobile/statusMap';
import { readInstance, unwrapBody, wrapBody } from '../../providers/chinamobile/wire';
import { EmulatedInstance, INSTANCE_STATES, InstanceState } from '../../providers/emulation';
import { ResourceStatus as S } from '../../providers/types';

describe('ECloud status map', () => {
  it.each([
    ['active', 'OK', S.RUNNING],
    ['active', '', S.RUNNING],
    ['build', 'CREATING', S.CREATING],
    ['build', 'OK', S.CREATING],
    ['shutoff', 'STARTING', S.STARTING],
    ['active', 'STOPING', S.STOPPING],
    ['shutoff', 'OK', S.STOPPED],
    ['stopped', undefined, S.STOPPED],
    ['reboot', 'REBOOTING', S.STARTING],
    ['hard_reboot', 'OK', S.STARTING],
    ['active', 'DELETING', S.DELETING],
    ['deleted', 'OK', S.DELETED],
    ['error', 'OK', S.ERROR],
    // the seed's vocabulary, any case
    ['Pending', undefined, S.CREATING],
    ['Running', undefined, S.RUNNING],
    ['Released', undefined, S.DELETED],
    ['Failed', undefined, S.ERROR],
    ['something-new', 'OK', S.ERROR],
  ])('(%s, %s) → %s', (ec, op, expected) => {
    expect(mapEcloudStatus(ec, op)).toBe(expected);
  });

  it('reads every state the emulator renders as the state it means', () => {
    const expected: Record<InstanceState, S> = {
      pending: S.CREATING,
      running: S.RUNNING,
      stopping: S.STOPPING,
      stopped: S.STOPPED,
      starting: S.STARTING,
      rebooting: S.STARTING,
      deleting: S.DELETING,
      deleted: S.DELETED,
      error: S.ERROR,
    };
    for (const state of INSTANCE_STATES) {
      const inst = readInstance(renderInstance(fakeInstance(state)))!;
      expect([state, mapEcloudStatus(inst.ecStatus, inst.opStatus)]).toEqual([state, expected[state]]);
    }
  });
});

describe('ECloud error map', () => {
  it.each([
    [{ httpStatus: 429, state: 'ERROR' }, 'Throttled'],
    [{ httpStatus: 200, state: 'ERROR', errorCode: 'STOCK_NOT_ENOUGH' }, 'InsufficientStock'],
    [{ httpStatus: 200, state: 'ERROR', errorCode: 'quota_exceeded' }, 'InsufficientStock'],
    [{ httpStatus: 200, state: 'ERROR', errorCode: 'INSTANCE_STATUS_NOT_SUPPORT' }, 'InvalidState'],
    [{ httpStatus: 200, state: 'ERROR', errorCode: 'RESOURCE_NOT_FOUND' }, 'NotFound'],
    [{ httpStatus: 403, state: 'FORBIDDEN', errorCode: 'SIGNATURE_NOT_MATCH' }, 'AuthFailed'],
    [{ httpStatus: 200, state: 'FORBIDDEN', errorCode: 'SOMETHING_UNKNOWN' }, 'AuthFailed'],
    [{ httpStatus: 200, state: 'ERROR', errorCode: 'INVALID_PARAMETER' }, 'InvalidRequest'],
    [{ httpStatus: 200, state: 'EXCEPTION' }, 'Transient'],
    [{ httpStatus: 503 }, 'Transient'],
    [{ httpStatus: 200, state: 'ERROR', errorCode: 'UNHEARD_OF' }, 'InvalidRequest'],
  ])('%j → %s', (failure, kind) => {
    expect(kindOf(failure)).toBe(kind);
  });

  it('keeps code, request id and status, and puts no more than the cloud message in the text', () => {
    const err = toProviderError({ action: 'DescribeInstances', httpStatus: 200, state: 'ERROR', errorCode: 'INVALID_PARAMETER', errorMessage: 'bad page', requestId: 'req-1' });
    expect(err).toMatchObject({ kind: 'InvalidRequest', code: 'INVALID_PARAMETER', requestId: 'req-1', httpStatus: 200, message: 'chinamobile DescribeInstances: bad page' });
  });
});

describe('ECloud spec choice and body wrapping', () => {
  it('takes the cheapest fitting catalog spec, and ranks unknown specs after known ones', () => {
    expect(chooseInstanceType(catalogOffers(), { cpu: 1, memory: 1 })?.specsName).toBe('s6.medium.2');
    expect(chooseInstanceType(catalogOffers(), { cpu: 2, memory: 5 })?.specsName).toBe('s6.large.4');
    expect(chooseInstanceType([{ specsName: 'x9.large', cpu: 2, memoryGiB: 4 }, { specsName: 's6.xlarge.2', cpu: 4, memoryGiB: 8 }], { cpu: 2, memory: 4 })?.specsName).toBe('s6.xlarge.2');
    expect(chooseInstanceType(catalogOffers(), { cpu: 16, memory: 64 })).toBeUndefined();
  });

  it('wraps the batch bodies under their parameter name and unwraps either form', () => {
    expect(wrapBody('BatchStopInstances', { instanceIds: ['a'] })).toEqual({ batchStopInstancesBody: { instanceIds: ['a'] } });
    expect(wrapBody('CreateInstances', { name: 'n' })).toEqual({ name: 'n' });
    expect(unwrapBody({ deleteInstancesBody: { instanceIds: ['a'] } })).toEqual({ instanceIds: ['a'] });
    expect(unwrapBody({ instanceIds: ['a'] })).toEqual({ instanceIds: ['a'] });
  });
});

function fakeInstance(state: InstanceState): EmulatedInstance {
  return {
    id: '00000000-0000-4000-8000-000000000000',
    owner: 'ak',
    region: 'CIDC-RP-25',
    zone: 'wuxi-az1',
    instanceType: 's6.large.2',
    cpu: 2,
    memoryGiB: 4,
    diskGiB: 40,
    imageId: 'Ubuntu 22.04 64位',
    state,
    tags: {},
    createdAt: new Date(),
    privateIp: '10.0.0.2',
    sshPort: 22,
    backing: { kind: 'none' },
  };
}
