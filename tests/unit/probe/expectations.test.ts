import { ConfigurationError } from '@slipway/kit';
import { evaluate, parseJsonExpectation, PRB } from '@slipway/probe';

const body = JSON.stringify({
  version: 'abc123',
  status: 'up',
  count: 3,
  ok: true,
  missing: null,
  checks: { db: 'ok', 'db pool': 'full', list: [{ name: 'a' }, { name: 'b' }] },
  'kebab-key': 'k',
});

describe('parsing', () => {
  test.each<[string, (string | number)[], '==' | '!=', string]>([
    ['$.version == abc123', ['version'], '==', 'abc123'],
    ['$.status != down', ['status'], '!=', 'down'],
    ['$.checks.db==ok', ['checks', 'db'], '==', 'ok'],
    ['$.checks.list[1].name == b', ['checks', 'list', 1, 'name'], '==', 'b'],
    ['$.checks["db pool"] == full', ['checks', 'db pool'], '==', 'full'],
    ['$.kebab-key == k', ['kebab-key'], '==', 'k'],
    ['$.version == "  spaced  "', ['version'], '==', '  spaced  '],
    ['$.version == ""', ['version'], '==', ''],
    ['$.note == a == b', ['note'], '==', 'a == b'],
    ['$ == whole', [], '==', 'whole'],
  ])('%s', (text, path, operator, expected) => {
    expect(parseJsonExpectation(text)).toEqual({ text, path, operator, expected });
  });

  test.each([
    ['version == abc', /does not start with a path/],
    ['$.version = abc', /needs == or != after the path \$\.version/],
    ['$.version > 3', /needs == or != after the path \$\.version/],
    ['$..version == abc', /bad path step at "\.\.version == abc"/],
    ['$.checks[db] == ok', /bad path step at "\[db\] == ok"/],
    ['$.version ==', /has no value/],
    ['$.version == "unterminated', /not one complete JSON string/],
  ])('%s is a configuration error', (text, message) => {
    let error: unknown;
    try {
      parseJsonExpectation(text);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      code: PRB.INVALID_JSON_EXPECTATION,
      message: expect.stringMatching(message),
    });
  });
});

describe('evaluation', () => {
  test.each<[string, boolean, string]>([
    ['$.version == abc123', true, '$.version is "abc123"'],
    ['$.version == abc124', false, '$.version is "abc123"'],
    ['$.status != down', true, '$.status is "up"'],
    ['$.status != up', false, '$.status is "up"'],
    ['$.count == 3', true, '$.count is 3'],
    ['$.ok == true', true, '$.ok is true'],
    ['$.missing == null', true, '$.missing is null'],
    ['$.checks["db pool"] == full', true, '$.checks["db pool"] is "full"'],
    ['$.checks.list[1].name == b', true, '$.checks.list[1].name is "b"'],
    ['$.checks.list[5].name == b', false, '$.checks.list[5].name is absent'],
    ['$.nope != down', false, '$.nope is absent'],
    ['$.version.length == 6', false, '$.version.length is absent'],
    ['$.checks.list.length == 2', false, '$.checks.list.length is absent'],
    ['$.checks.db == ok', true, '$.checks.db is "ok"'],
  ])('%s → %s', (text, met, observation) => {
    expect(evaluate(parseJsonExpectation(text), body)).toEqual({ met, observation });
  });

  test('a body that is not JSON fails every expectation', () => {
    expect(evaluate(parseJsonExpectation('$.status != down'), '<html>')).toEqual({
      met: false,
      observation: 'the body is not JSON',
    });
  });

  test('long values are clipped in the observation', () => {
    const long = JSON.stringify({ v: 'x'.repeat(200) });
    expect(evaluate(parseJsonExpectation('$.v == y'), long).observation).toMatch(/^\$\.v is "x{76}\.\.\.$/);
  });
});
