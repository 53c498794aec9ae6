import {
  canonicalQuery,
  formatTimestamp,
  percentEncode,
  signRequest,
  timestampWithinSkew,
  verifyRequest,
} from '../../providers/chinamobile/signature';

/*
 * Pinned vectors. No public SDK test ships a known ECloud signature, so these were computed
 * with an independent implementation — a Python signer in the style of the public ones
 * (urllib.parse.quote(v, '') with +→%20, *→%2A, %7E→~; hashlib.sha256; hmac) — step by step:
 *
 *   params: AccessKey=test-access-key, Version=2016-12-05, Timestamp=2024-01-02T10:00:00Z
 *           (Beijing local for 02:00 UTC), SignatureMethod=HmacSHA1, SignatureVersion=V2.0,
 *           SignatureNonce=0f8fad5b-d9cb-469f-a165-70867728950e
 *   canonical: AccessKey=test-access-key&SignatureMethod=HmacSHA1&SignatureNonce=0f8fad5b-…
 *              &SignatureVersion=V2.0&Timestamp=2024-01-02T10%3A00%3A00Z&Version=2016-12-05
 *   sha256(canonical) = 7c0cd3079ecb3567d3ce844ad0ce2aa45bb8c17245c97dac35dfb163f8d1e54a
 *   stringToSign = "GET\n%2Fapi%2Fopenapi-instance%2Fv4%2Fregion%2Fdescribe-regions\n" + that hash
 *   HMAC-SHA1("BC_SIGNATURE&test-secret-key", stringToSign) = f91db582…0972
 */
const PATH = '/api/openapi-instance/v4/region/describe-regions';
const FIXED = {
  accessKey: 'test-access-key',
  secretKey: 'test-secret-key',
  method: 'GET',
  path: PATH,
  now: new Date('2024-01-02T02:00:00Z'),
  nonce: '0f8fad5b-d9cb-469f-a165-70867728950e',
  timestampStyle: 'beijing-local' as const,
};
const secretOf = (ak: string) => (ak === 'test-access-key' ? 'test-secret-key' : undefined);

describe('BC-Signature V2.0', () => {
  it('signs a fixed request to the pinned HmacSHA1 value', () => {
    const signed = signRequest(FIXED);
    expect(signed.params.Timestamp).toBe('2024-01-02T10:00:00Z');
    expect(signed.stringToSign).toBe(
      'GET\n%2Fapi%2Fopenapi-instance%2Fv4%2Fregion%2Fdescribe-regions\n7c0cd3079ecb3567d3ce844ad0ce2aa45bb8c17245c97dac35dfb163f8d1e54a',
    );
    expect(signed.signature).toBe('f91db5825464b5aac21b8c64e042966f1fcf0972');
    expect(signed.queryString).toMatch(/&Signature=f91db5825464b5aac21b8c64e042966f1fcf0972$/);
  });

  it('signs business params with HmacSHA256, percent-encoding space, *, ~ and UTF-8 like the Java SDK', () => {
    const signed = signRequest({ ...FIXED, signatureMethod: 'HmacSHA256', query: { zoneId: 'wuxi az1*~', instanceName: '盒子' } });
    expect(canonicalQuery(signed.params)).toContain('&instanceName=%E7%9B%92%E5%AD%90&zoneId=wuxi%20az1%2A~');
    expect(signed.signature).toBe('b83d411e2d47aaf6bb1c708e12071c722b5a787cb8265c91adeeb4049f9443e9');
  });

  it('percent-encodes per RFC 3986', () => {
    expect(percentEncode("a b+c*d~e/f!'()")).toBe('a%20b%2Bc%2Ad~e%2Ff%21%27%28%29');
  });

  it('verifies its own signature and refuses the wrong secret', () => {
    const { params } = signRequest({ ...FIXED, now: new Date() });
    expect(verifyRequest({ method: 'GET', path: PATH, params, secretOf })).toMatchObject({ ok: true, accessKey: 'test-access-key' });
    const forged = signRequest({ ...FIXED, now: new Date(), secretKey: 'wrong-secret' }).params;
    expect(verifyRequest({ method: 'GET', path: PATH, params: forged, secretOf })).toMatchObject({ ok: false, failure: 'badSignature' });
  });

  it('refuses an unknown AccessKey, a tampered param, another path and missing params', () => {
    const { params } = signRequest({ ...FIXED, now: new Date(), query: { zoneId: 'wuxi-az1' } });
    expect(verifyRequest({ method: 'GET', path: PATH, params: { ...params, AccessKey: 'nobody' }, secretOf })).toMatchObject({
      ok: false,
      failure: 'unknownAccessKey',
      message: 'Invalid parameter AccessKey',
    });
    expect(verifyRequest({ method: 'GET', path: PATH, params: { ...params, zoneId: 'wuxi-az2' }, secretOf })).toMatchObject({ failure: 'badSignature' });
    expect(verifyRequest({ method: 'POST', path: PATH, params, secretOf })).toMatchObject({ failure: 'badSignature' });
    const { Signature: _dropped, ...unsigned } = params;
    expect(verifyRequest({ method: 'GET', path: PATH, params: unsigned, secretOf })).toMatchObject({ failure: 'missingParameter' });
  });

  it('accepts both Timestamp variants (UTC and Beijing local with Z) within the skew window', () => {
    const now = new Date();
    for (const timestampStyle of ['utc', 'beijing-local'] as const) {
      const { params } = signRequest({ ...FIXED, now, timestampStyle });
      expect(verifyRequest({ method: 'GET', path: PATH, params, secretOf, now })).toMatchObject({ ok: true });
    }
    expect(formatTimestamp(new Date('2024-06-30T20:30:00Z'), 'beijing-local')).toBe('2024-07-01T04:30:00Z');
    expect(formatTimestamp(new Date('2024-06-30T20:30:00Z'), 'utc')).toBe('2024-06-30T20:30:00Z');
  });

  it('refuses a stale Timestamp in either reading, and a malformed one', () => {
    const now = new Date();
    const stale = new Date(now.getTime() - 11 * 60_000);
    for (const timestampStyle of ['utc', 'beijing-local'] as const) {
      const { params } = signRequest({ ...FIXED, now: stale, timestampStyle });
      expect(verifyRequest({ method: 'GET', path: PATH, params, secretOf, now })).toMatchObject({ ok: false, failure: 'staleTimestamp' });
    }
    expect(timestampWithinSkew('2024-01-02 10:00:00', now, 600_000)).toBe(false);
    expect(timestampWithinSkew(formatTimestamp(new Date(now.getTime() + 4 * 60_000), 'utc'), now, 5 * 60_000)).toBe(true);
  });
});
