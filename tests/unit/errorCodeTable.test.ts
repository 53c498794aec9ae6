/** The one pattern syntax every cloud's error table is written in (providers/errorCodeTable.ts). */
import { errorCodeTable } from '../../providers/errorCodeTable';

const exact = { caseSensitive: true };

describe('errorCodeTable', () => {
  it('matches an exact code, and nothing else by it', () => {
    const kindOf = errorCodeTable({ 'Zone.NotOnSale': 'InsufficientStock' }, exact);
    expect(kindOf('Zone.NotOnSale')).toBe('InsufficientStock');
    expect(kindOf('Zone.NotOnSale.Really')).toBeUndefined();
    expect(kindOf('Zone')).toBeUndefined();
  });

  it('`A.*` matches A and everything under it on whole segments, not a longer word', () => {
    const kindOf = errorCodeTable({ 'Throttling.*': 'Throttled' }, exact);
    expect(kindOf('Throttling')).toBe('Throttled');
    expect(kindOf('Throttling.User')).toBe('Throttled');
    expect(kindOf('Throttling.User.Api')).toBe('Throttled');
    expect(kindOf('ThrottlingX')).toBeUndefined();
    expect(kindOf('Throttlin')).toBeUndefined();
  });

  it('`A*` matches by word prefix, for clouds that name families that way', () => {
    const kindOf = errorCodeTable({ 'InvalidParameter*': 'InvalidRequest' }, exact);
    expect(kindOf('InvalidParameter')).toBe('InvalidRequest');
    expect(kindOf('InvalidParameterValue.Range')).toBe('InvalidRequest');
    expect(kindOf('InvalidParam')).toBeUndefined();
  });

  it('the most specific row wins, whatever order the rows are written in', () => {
    const rows = {
      'InvalidInstanceId.*': 'InvalidRequest',
      'InvalidInstanceId.NotFound': 'NotFound',
      'UnsupportedOperation.*': 'InvalidRequest',
      'UnsupportedOperation.InstanceState*': 'InvalidState',
      'UnsupportedOperation.InstanceStateTerminated': 'NotFound',
    } as const;
    const reversed = Object.fromEntries(Object.entries(rows).reverse());
    for (const table of [rows, reversed]) {
      const kindOf = errorCodeTable(table, exact);
      expect(kindOf('InvalidInstanceId.NotFound')).toBe('NotFound'); // exact beats `.*`
      expect(kindOf('InvalidInstanceId.Malformed')).toBe('InvalidRequest');
      expect(kindOf('UnsupportedOperation.InstanceStateRunning')).toBe('InvalidState'); // longer stem beats shorter
      expect(kindOf('UnsupportedOperation.InstanceStateTerminated')).toBe('NotFound'); // exact beats any stem
      expect(kindOf('UnsupportedOperation.Other')).toBe('InvalidRequest');
    }
  });

  it('is case-sensitive or not as the table says', () => {
    const rows = { QUOTA_EXCEEDED: 'InsufficientStock', 'Throttling.*': 'Throttled' } as const;
    const sensitive = errorCodeTable(rows, { caseSensitive: true });
    expect(sensitive('quota_exceeded')).toBeUndefined();
    expect(sensitive('throttling.user')).toBeUndefined();
    const folded = errorCodeTable(rows, { caseSensitive: false });
    expect(folded('quota_exceeded')).toBe('InsufficientStock');
    expect(folded('Quota_Exceeded')).toBe('InsufficientStock');
    expect(folded('THROTTLING.USER')).toBe('Throttled');
  });

  it('an absent or empty code matches nothing, so the cloud’s fallback decides', () => {
    const kindOf = errorCodeTable({ 'A*': 'Transient' }, exact);
    expect(kindOf(undefined)).toBeUndefined();
    expect(kindOf('')).toBeUndefined();
  });

  it('refuses a malformed pattern and a pattern written twice (case-folded), when the table is made', () => {
    expect(() => errorCodeTable({ 'A*.B': 'Transient' }, exact)).toThrow('optionally ending in one "*"');
    expect(() => errorCodeTable({ 'A**': 'Transient' }, exact)).toThrow('optionally ending in one "*"');
    expect(() => errorCodeTable({ '*': 'Transient' }, exact)).toThrow('optionally ending in one "*"');
    expect(() => errorCodeTable({ '.*': 'Transient' }, exact)).toThrow('optionally ending in one "*"');
    expect(() => errorCodeTable({ FORBIDDEN: 'AuthFailed', Forbidden: 'AuthFailed' }, { caseSensitive: false })).toThrow('appears twice');
    expect(() => errorCodeTable({ FORBIDDEN: 'AuthFailed', Forbidden: 'AuthFailed' }, exact)).not.toThrow();
  });
});
