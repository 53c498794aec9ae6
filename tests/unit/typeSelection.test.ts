import { SizedOffer, cheapestFitting, compareOffers, fits } from '../../providers/typeSelection';

const offer = (name: string, cpu: number, memoryGiB: number, price?: number): SizedOffer => ({ name, cpu, memoryGiB, price });
const need = { cpu: 2, memory: 4 };

describe('shared spec mapping (规格映射)', () => {
  test('fits: at least the cpu and memory asked for', () => {
    expect(fits(need)(offer('exact', 2, 4))).toBe(true);
    expect(fits(need)(offer('bigger', 4, 8))).toBe(true);
    expect(fits(need)(offer('few-cpu', 1, 8))).toBe(false);
    expect(fits(need)(offer('little-memory', 4, 2))).toBe(false);
  });

  test('the cheapest fitting offer wins, whatever the order', () => {
    const offers = [offer('a', 4, 8, 300), offer('b', 2, 4, 200), offer('c', 8, 16, 100)];
    expect(cheapestFitting(offers, need)?.name).toBe('c');
    expect(cheapestFitting([...offers].reverse(), need)?.name).toBe('c');
  });

  test('too-small offers are excluded, however cheap', () => {
    expect(cheapestFitting([offer('tiny', 1, 2, 1), offer('ok', 2, 4, 500)], need)?.name).toBe('ok');
    expect(cheapestFitting([offer('tiny', 1, 2, 1), offer('thin', 2, 2, 1)], need)).toBeUndefined();
  });

  test('unknown prices rank after every known one, by size among themselves', () => {
    expect(cheapestFitting([offer('unknown', 2, 4), offer('pricey', 8, 32, 9999)], need)?.name).toBe('pricey');
    expect(cheapestFitting([offer('big', 4, 8), offer('small', 2, 8), offer('smaller', 2, 4)], need)?.name).toBe('smaller');
  });

  test('a zero price is a known price', () => {
    expect(cheapestFitting([offer('unknown', 2, 4), offer('free', 4, 8, 0)], need)?.name).toBe('free');
  });

  test('equal prices break by smaller cpu, then smaller memory, then name', () => {
    expect(cheapestFitting([offer('a', 4, 8, 100), offer('b', 2, 8, 100)], need)?.name).toBe('b');
    expect(cheapestFitting([offer('a', 2, 8, 100), offer('b', 2, 4, 100)], need)?.name).toBe('b');
    expect(cheapestFitting([offer('b', 2, 4, 100), offer('a', 2, 4, 100)], need)?.name).toBe('a');
  });

  test('the tieBreak is used last, only between otherwise equal offers', () => {
    type Zoned = SizedOffer & { zone: string };
    const byZone = (a: Zoned, b: Zoned) => a.zone.localeCompare(b.zone);
    const z = (name: string, zone: string, price: number): Zoned => ({ ...offer(name, 2, 4, price), zone });
    expect(cheapestFitting([z('a', 'zone-2', 100), z('a', 'zone-1', 100)], need, byZone)?.zone).toBe('zone-1');
    expect(cheapestFitting([z('b', 'zone-1', 100), z('a', 'zone-2', 100)], need, byZone)?.zone).toBe('zone-2');
    expect(cheapestFitting([z('a', 'zone-1', 200), z('a', 'zone-2', 100)], need, byZone)?.zone).toBe('zone-2');
  });

  test('the choice is the same for any order of the same offers', () => {
    const offers = [offer('x', 2, 4), offer('b', 2, 4, 100), offer('a', 2, 4, 100), offer('c', 4, 8, 100), offer('d', 2, 4, 150)];
    const sorted = [...offers].sort(compareOffers());
    expect(sorted.map((o) => o.name)).toEqual(['a', 'b', 'c', 'd', 'x']);
    for (let i = 0; i < offers.length; i++) {
      const rotated = [...offers.slice(i), ...offers.slice(0, i)];
      expect(cheapestFitting(rotated, need)?.name).toBe('a');
    }
  });

  test('no offers → undefined', () => {
    expect(cheapestFitting([], need)).toBeUndefined();
  });

  test('returns the offer object itself, extra fields intact', () => {
    const mine = { ...offer('a', 2, 4, 1), extra: 'kept' };
    expect(cheapestFitting([mine], need)).toBe(mine);
  });
});
