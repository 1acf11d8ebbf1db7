import { z } from 'zod';
import { memoryState, stateSlot, StateStore } from '@slipway/kit';

const Deployment = z.object({ cluster: z.string(), services: z.array(z.string()), revision: z.number() });
const slot = stateSlot('deployment', Deployment);

describe('stateSlot', () => {
  test('round trip: what main saves, post loads', () => {
    const store = memoryState();
    const value = { cluster: 'prod', services: ['api', 'worker'], revision: 42 };
    slot.save(store, value);
    expect(store.values.get('deployment')).toBe(JSON.stringify(value));
    expect(slot.load(store)).toEqual(value);
  });

  test('slots with different keys do not see each other', () => {
    const store = memoryState();
    const other = stateSlot('started-at', z.number());
    other.save(store, 1234);
    expect(slot.load(store)).toBeUndefined();
    expect(other.load(store)).toBe(1234);
  });

  test.each([
    ['missing (empty string, as core.getState returns)', undefined],
    ['not JSON', '{"cluster": "prod",'],
    ['JSON of the wrong shape', JSON.stringify({ cluster: 'prod', services: 'api', revision: 1 })],
    ['JSON null', 'null'],
    ['a bare word', 'undefined'],
  ])('a %s value reads as undefined without throwing', (_label, raw) => {
    const store = memoryState();
    if (raw !== undefined) store.values.set('deployment', raw);
    expect(() => slot.load(store)).not.toThrow();
    expect(slot.load(store)).toBeUndefined();
  });

  test('works against any StateStore, reading and writing only its own key', () => {
    const calls: string[] = [];
    const saved = new Map<string, string>();
    const store: StateStore = {
      get: (key) => (calls.push(`get ${key}`), saved.get(key) ?? ''),
      set: (key, value) => void (calls.push(`set ${key}`), saved.set(key, value)),
    };
    slot.save(store, { cluster: 'c', services: [], revision: 1 });
    expect(slot.load(store)).toEqual({ cluster: 'c', services: [], revision: 1 });
    expect(calls).toEqual(['set deployment', 'get deployment']);
  });
});

describe('memoryState', () => {
  test('an unknown key reads as the empty string, like core.getState', () => {
    const store = memoryState();
    expect(store.get('nothing')).toBe('');
    store.set('k', 'v');
    expect(store.get('k')).toBe('v');
  });
});
