import { ConfigurationError, SlipwayError, toSlipwayError, UNEXPECTED_ERROR } from '@slipway/kit';

describe('SlipwayError', () => {
  test('carries code, message, remedy and cause, and is named after its class', () => {
    const cause = new Error('root');
    const error = new ConfigurationError('SLW-X-001', 'Bad thing.', { remedy: 'Do better.', cause });
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigurationError');
    expect(error.code).toBe('SLW-X-001');
    expect(error.message).toBe('Bad thing.');
    expect(error.remedy).toBe('Do better.');
    expect(error.cause).toBe(cause);
  });

  test.each([
    ['with a remedy', { remedy: 'Set it.' }, 'SLW-X-002: It is unset. Set it.'],
    ['without a remedy', {}, 'SLW-X-002: It is unset.'],
    [
      'with evidence, under the remedy',
      { remedy: 'Set it.', evidence: ['seen: a', 'seen: b'] },
      'SLW-X-002: It is unset. Set it.\nseen: a\nseen: b',
    ],
  ])('describe() %s', (_label, options, expected) => {
    expect(new SlipwayError('SLW-X-002', 'It is unset.', options).describe()).toBe(expected);
  });
});

describe('toSlipwayError', () => {
  test('passes a SlipwayError (or subclass) through unchanged', () => {
    const original = new ConfigurationError('SLW-X-003', 'nope');
    expect(toSlipwayError(original)).toBe(original);
    const plain = new SlipwayError('SLW-X-004', 'nope');
    expect(toSlipwayError(plain)).toBe(plain);
  });

  test('wraps an Error as SLW-KIT-000, keeping its message and the error itself as cause', () => {
    const thrown = new TypeError('x is not a function');
    const error = toSlipwayError(thrown);
    expect(UNEXPECTED_ERROR).toBe('SLW-KIT-000');
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('SLW-KIT-000');
    expect(error.message).toBe('x is not a function');
    expect(error.cause).toBe(thrown);
  });

  test('an Error without a message is described by its name', () => {
    class AbortError extends Error {
      override name = 'AbortError';
    }
    const error = toSlipwayError(new AbortError());
    expect(error.code).toBe(UNEXPECTED_ERROR);
    expect(error.message).toBe('AbortError');
  });

  test.each([
    ['a string', 'socket closed', 'socket closed'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'something was thrown with no description'],
  ])('wraps %s as SLW-KIT-000 with an Error cause holding its text', (_label, thrown, text) => {
    const error = toSlipwayError(thrown);
    expect(error.code).toBe(UNEXPECTED_ERROR);
    expect(error.message).toBe(text);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe(text);
    expect(error.describe()).toBe(`SLW-KIT-000: ${text}`);
  });
});
