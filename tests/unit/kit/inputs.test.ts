import {
  CONFLICTING_INPUTS,
  ConfigurationError,
  Secrets,
  clip,
  input,
  onlyWith,
  region,
  sameRegion,
  INVALID_INPUT,
  InputSource,
  InputSpec,
  MISSING_INPUT,
  parseInputs,
  SlipwayError,
} from '@slipway/kit';

/** An InputSource over a fixed map, as core.getInput would answer. */
const from =
  (values: Record<string, string | undefined>): InputSource =>
  (name) =>
    values[name];

/** Parses one input called `name` given as `raw`. */
function one<T>(spec: InputSpec<T>, raw: string | undefined): T {
  return parseInputs(from({ name: raw }), { name: spec }).name;
}

/** The ConfigurationError `fn` throws (fails the test if it throws nothing or something else). */
function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw new Error(`expected a ConfigurationError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('parseInputs: the error thrown for a bad value', () => {
  test('is a ConfigurationError coded SLW-KIT-001 naming the input, the value and what is expected', () => {
    const error = configError(() => parseInputs(from({ timeout: 'soon' }), { timeout: input.integer() }));
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error.name).toBe('ConfigurationError');
    expect(INVALID_INPUT).toBe('SLW-KIT-001');
    expect(error.code).toBe('SLW-KIT-001');
    expect(error.message).toBe('Input "timeout" is not a whole number: got "soon".');
    expect(error.remedy).toBe('Expected a whole number.');
    expect(error.describe()).toBe(
      'SLW-KIT-001: Input "timeout" is not a whole number: got "soon". Expected a whole number.',
    );
  });

  test('names the first bad input, in spec order', () => {
    const error = configError(() =>
      parseInputs(from({ a: '1', b: 'maybe', c: 'x' }), {
        a: input.integer(),
        b: input.boolean(),
        c: input.integer(),
      }),
    );
    expect(error.message).toContain('"b"');
    expect(error.message).not.toContain('"c"');
  });

  test.each([
    [80, `got "${'7'.repeat(80)}"`],
    [81, `got "${'7'.repeat(77)}..."`],
  ])('a %i-character value is quoted as %s', (length, quoted) => {
    expect(configError(() => one(input.boolean(), '7'.repeat(length))).message).toContain(quoted);
  });

  test('shows a multi-line value on one line and clips a long one to 80 characters', () => {
    const multi = configError(() => one(input.pairs(), 'a=1\n  oops  \nb=2'));
    expect(multi.message).toContain('got "a=1⏎oops⏎b=2"');
    const long = 'x'.repeat(200);
    const clipped = configError(() => one(input.integer(), long));
    expect(clipped.message).toContain(`got "${'x'.repeat(77)}..."`);
    expect(clipped.message).not.toContain('x'.repeat(78));
  });
});

describe('parseInputs: required inputs', () => {
  test.each([
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '  \n '],
  ])('a required input that is %s throws SLW-KIT-002 naming it', (_label, raw) => {
    const error = configError(() =>
      parseInputs(from({ cluster: raw }), { cluster: input.string({ required: true }) }),
    );
    expect(MISSING_INPUT).toBe('SLW-KIT-002');
    expect(error.code).toBe('SLW-KIT-002');
    expect(error.message).toBe('Input "cluster" is required.');
    expect(error.remedy).toBe('Set "cluster" to one line of text.');
  });

  test.each([
    ['integer', input.integer({ required: true, min: 1, max: 10 }), 'a whole number ≥ 1 and ≤ 10'],
    ['boolean', input.boolean({ required: true }), 'true or false'],
    [
      'choice',
      input.choice(['a', 'b'], { required: true }),
      'one of the valid values. Valid values are: a, b',
    ],
    ['list', input.list({ required: true }), 'a list (one item per line, or comma-separated)'],
    ['pairs', input.pairs({ required: true, what: 'NAME=value' }), 'NAME=value lines'],
  ])('the remedy for a missing %s says what to set it to', (_label, spec, expected) => {
    const error = configError(() => one(spec as InputSpec<unknown>, undefined));
    expect(error.code).toBe(MISSING_INPUT);
    expect(error.remedy).toBe(`Set "name" to ${expected}.`);
  });

  test('a required input that is given is parsed', () => {
    expect(one(input.string({ required: true }), '  prod  ')).toBe('prod');
  });
});

describe('parseInputs: defaults', () => {
  test.each([
    ['undefined', undefined],
    ['empty', ''],
    ['whitespace', ' \t\n'],
  ])('a default applies when the input is %s', (_label, raw) => {
    const parsed = parseInputs(from({ s: raw, n: raw, b: raw, c: raw, l: raw }), {
      s: input.string({ default: 'fallback' }),
      n: input.integer({ default: 10 }),
      b: input.boolean({ default: true }),
      c: input.choice(['x', 'y'], { default: 'y' }),
      l: input.list({ default: ['one'] }),
    });
    expect(parsed).toEqual({ s: 'fallback', n: 10, b: true, c: 'y', l: ['one'] });
  });

  test.each([
    ['a falsy boolean', input.boolean({ default: true }), 'false', false],
    ['zero', input.integer({ default: 10 }), '0', 0],
    ['a string', input.string({ default: 'fallback' }), 'given', 'given'],
    ['a choice', input.choice(['x', 'y'], { default: 'y' }), 'x', 'x'],
    ['a list', input.list({ default: ['one'] }), 'two', ['two']],
  ])('a default never replaces a given value: %s', (_label, spec, raw, expected) => {
    expect(one(spec as InputSpec<unknown>, raw)).toEqual(expected);
  });

  test.each([
    ['false', input.boolean({ default: false }), false],
    ['0', input.integer({ default: 0 }), 0],
    ['the empty list', input.list({ default: [] }), []],
  ])('a falsy default (%s) still applies', (_label, spec, expected) => {
    expect(one(spec as InputSpec<unknown>, '')).toEqual(expected);
  });

  test('an invalid value is rejected even when there is a default', () => {
    expect(configError(() => one(input.integer({ default: 5 }), 'five')).code).toBe(INVALID_INPUT);
    expect(configError(() => one(input.boolean({ default: true }), 'yes')).code).toBe(INVALID_INPUT);
  });

  test('an optional input without a default reads as undefined', () => {
    const parsed = parseInputs(from({}), {
      s: input.string(),
      n: input.integer(),
      b: input.boolean(),
      l: input.list(),
      p: input.pairs(),
    });
    expect(parsed).toEqual({ s: undefined, n: undefined, b: undefined, l: undefined, p: undefined });
    expect(Object.keys(parsed)).toEqual(['s', 'n', 'b', 'l', 'p']);
  });

  test('only the inputs in the specs are read', () => {
    const read: string[] = [];
    parseInputs(
      (name) => {
        read.push(name);
        return 'x';
      },
      { firstInput: input.string(), 'Second-Input': input.string() },
    );
    expect(read).toEqual(['firstInput', 'Second-Input']);
  });
});

describe('input.string', () => {
  test.each([
    ['plain', 'prod', 'prod'],
    ['surrounding whitespace trimmed', '  prod \n', 'prod'],
    ['inner whitespace kept', 'a  b', 'a  b'],
  ])('%s', (_label, raw, expected) => {
    expect(one(input.string(), raw)).toBe(expected);
  });
});

describe('input.boolean', () => {
  test.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    [' true ', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['\tfalse\n', false],
  ])('%j → %s', (raw, expected) => {
    expect(one(input.boolean(), raw)).toBe(expected);
  });

  test.each(['yes', 'no', 'on', 'off', '1', '0', 'tRUE', 'fAlse', 'y', 'truee'])(
    '%j is rejected naming the input',
    (raw) => {
      const error = configError(() => parseInputs(from({ wait: raw }), { wait: input.boolean() }));
      expect(error.code).toBe(INVALID_INPUT);
      expect(error.message).toBe(`Input "wait" is not a boolean: got "${raw}".`);
      expect(error.remedy).toBe('Expected true or false.');
    },
  );
});

describe('input.integer', () => {
  test.each([
    ['10', {}, 10],
    ['0', {}, 0],
    ['-5', {}, -5],
    [' 42 ', {}, 42],
    ['007', {}, 7],
    ['1', { min: 1 }, 1],
    ['10', { min: 1, max: 10 }, 10],
  ])('%j with %j → %i', (raw, options, expected) => {
    expect(one(input.integer(options), raw)).toBe(expected);
  });

  test.each([
    ['-5', { min: 1 }, 'is below 1', 'a whole number ≥ 1'],
    ['0', { min: 1 }, 'is below 1', 'a whole number ≥ 1'],
    ['11', { max: 10 }, 'is above 10', 'a whole number ≤ 10'],
    ['3601', { min: 1, max: 3600 }, 'is above 3600', 'a whole number ≥ 1 and ≤ 3600'],
    ['1.5', {}, 'is not a whole number', 'a whole number'],
    ['1.0', {}, 'is not a whole number', 'a whole number'],
    ['ten', {}, 'is not a whole number', 'a whole number'],
    ['10abc', {}, 'is not a whole number', 'a whole number'],
    ['abc10', {}, 'is not a whole number', 'a whole number'],
    ['1e3', {}, 'is not a whole number', 'a whole number'],
    ['0x10', {}, 'is not a whole number', 'a whole number'],
    ['+5', {}, 'is not a whole number', 'a whole number'],
    ['1 000', {}, 'is not a whole number', 'a whole number'],
    ['Infinity', {}, 'is not a whole number', 'a whole number'],
    ['99999999999999999999', {}, 'is not a whole number', 'a whole number'],
  ])('%j with %j is rejected: %s', (raw, options, reason, expected) => {
    const error = configError(() => parseInputs(from({ count: raw }), { count: input.integer(options) }));
    expect(error.code).toBe(INVALID_INPUT);
    expect(error.message).toBe(`Input "count" ${reason}: got "${raw}".`);
    expect(error.remedy).toBe(`Expected ${expected}.`);
  });

  test.each([
    ['no default', {}],
    ['a default', { default: 5 }],
    ['a default and bounds', { default: 5, min: 1, max: 100 }],
  ])('"10abc" with %s never silently becomes a number', (_label, options) => {
    expect(() => one(input.integer(options), '10abc')).toThrow(ConfigurationError);
  });

  test.each([
    ['undefined', undefined, { default: 3 }, 3],
    ['empty', '', { default: 3 }, 3],
    ['empty, no default', '', {}, undefined],
    ['blank, no default', '   ', {}, undefined],
  ])('%s → %j', (_label, raw, options, expected) => {
    expect(one(input.integer(options), raw)).toBe(expected);
  });

  test('an empty required integer is missing (SLW-KIT-002), not invalid', () => {
    const error = configError(() => one(input.integer({ required: true }), ''));
    expect(error.code).toBe(MISSING_INPUT);
  });
});

describe('input.choice', () => {
  test.each([
    ['rolling', 'rolling'],
    [' blue-green ', 'blue-green'],
  ])('%j is accepted', (raw, expected) => {
    expect(one(input.choice(['rolling', 'blue-green']), raw)).toBe(expected);
  });

  test.each(['canary', 'Rolling', 'rolling,blue-green'])('%j is rejected listing the valid values', (raw) => {
    const error = configError(() =>
      parseInputs(from({ strategy: raw }), { strategy: input.choice(['rolling', 'blue-green']) }),
    );
    expect(error.code).toBe(INVALID_INPUT);
    expect(error.message).toBe(`Input "strategy" is not a valid value: got "${raw}".`);
    expect(error.remedy).toBe('Expected one of the valid values. Valid values are: rolling, blue-green.');
  });

  test('the valid values are listed as "Valid values are: a, b"', () => {
    const error = configError(() => one(input.choice(['a', 'b']), 'c'));
    expect(error.remedy).toContain('Valid values are: a, b');
  });
});

describe('input.list', () => {
  test.each([
    ['one item', 'api', ['api']],
    ['newlines', 'api\nworker\ncron', ['api', 'worker', 'cron']],
    ['CRLF newlines', 'api\r\nworker', ['api', 'worker']],
    ['commas', 'api,worker, cron', ['api', 'worker', 'cron']],
    ['commas and newlines', 'api, worker\ncron', ['api', 'worker', 'cron']],
    ['blank lines and empty items dropped', '\napi\n\n  \nworker,,\n,', ['api', 'worker']],
    ['# comment lines dropped', '# services\napi\n  # not this\nworker', ['api', 'worker']],
    ['items trimmed', '  api  ,\t worker ', ['api', 'worker']],
    ['a # inside an item kept', 'api#1', ['api#1']],
    ['duplicates kept, order kept', 'b,a,b', ['b', 'a', 'b']],
  ])('%s', (_label, raw, expected) => {
    expect(one(input.list(), raw)).toEqual(expected);
  });

  test('a value of only comments and blanks is an empty list', () => {
    expect(one(input.list({ default: ['fallback'] }), '# nothing\n\n# here')).toEqual([]);
  });
});

describe('input.pairs', () => {
  test.each([
    ['one pair', 'A=1', [{ key: 'A', value: '1' }]],
    [
      'several lines',
      'A=1\nB=2',
      [
        { key: 'A', value: '1' },
        { key: 'B', value: '2' },
      ],
    ],
    ['everything after the first = is the value', 'a=b=c', [{ key: 'a', value: 'b=c' }]],
    ['an empty value', 'EMPTY=', [{ key: 'EMPTY', value: '' }]],
    ['key and value trimmed', '  KEY  =  spaced value  ', [{ key: 'KEY', value: 'spaced value' }]],
    ['blank and # comment lines dropped', '# env\n\nA=1\n  # B=2\n', [{ key: 'A', value: '1' }]],
    ['commas are part of the value', 'LIST=a,b', [{ key: 'LIST', value: 'a,b' }]],
    ['a URL with = in its query', 'URL=https://x/?a=1&b=2', [{ key: 'URL', value: 'https://x/?a=1&b=2' }]],
  ])('%s', (_label, raw, expected) => {
    expect(one(input.pairs(), raw)).toEqual(expected);
  });

  test.each([
    ['a line without =', 'A=1\nnot a pair', 'not a pair'],
    ['a line starting with =', '=value', '=value'],
  ])('%s is rejected, quoting the line', (_label, raw, line) => {
    const error = configError(() => parseInputs(from({ env: raw }), { env: input.pairs() }));
    expect(error.code).toBe(INVALID_INPUT);
    expect(error.message).toContain(`Input "env" has a line that is not key=value: "${line}"`);
    expect(error.remedy).toBe('Expected key=value lines.');
  });

  test('`what` names the expected form in the error', () => {
    const error = configError(() => one(input.pairs({ what: 'container=image' }), 'nginx'));
    expect(error.message).toContain('has a line that is not container=image: "nginx"');
    expect(error.remedy).toBe('Expected container=image lines.');
  });
});

describe('every input checked, nothing secret shown', () => {
  test('a secret input is masked before any input is parsed, even when it then fails to parse', () => {
    const secrets = new Secrets();
    const error = configError(() =>
      parseInputs(
        from({ first: 'not a number', token: 's3cret\nline2' }),
        { first: input.integer(), token: input.string({ secret: true }) },
        { secrets },
      ),
    );
    expect(error.message).toContain('Input "first"');
    expect(secrets.redact('s3cret and line2')).toBe('*** and ***');
  });

  test('a secret or hidden value is never shown in the error', () => {
    for (const option of [{ secret: true }, { hidden: true }]) {
      const error = configError(() => one(input.string(option), 'tok3n\u0007'));
      expect(error.message).not.toContain('tok3n');
      expect(error.message).toContain('not shown');
    }
  });

  test('a single-line input refuses a line break and a control character; a long value is clipped', () => {
    expect(configError(() => one(input.string(), 'a\nb')).message).toContain('holds a line break');
    const bell = configError(() => one(input.string(), 'a\u0007b'));
    expect(bell.message).toContain('U+0007');
    expect(bell.message).toContain('a\\u0007b');
    const huge = configError(() => one(input.string(), 'x'.repeat(10_000)));
    expect(huge.message.length).toBeLessThan(200);
    expect(huge.message).toContain('10000 characters long');
    expect(clip('y'.repeat(200))).toHaveLength(80);
  });

  test('a list of only separators is refused; one of only comments is empty', () => {
    expect(configError(() => one(input.list(), ' , ,')).message).toContain('holds no items');
    expect(one(input.list(), '# none')).toEqual([]);
  });

  test('an item that breaks the grammar is named with the list', () => {
    const error = configError(() => one(input.list({ item: region }), 'us-east-1, us-east-9'));
    expect(error.message).toContain('has item 2 ("us-east-9"), which is not a region AWS has');
  });

  const specs = {
    preview: input.choice(['deploy', 'sweep']),
    'pull-request': input.integer(),
    count: input.integer({ default: 1 }),
  };

  test('onlyWith names both inputs; a value equal to its default does not count as given', () => {
    const source = from({ 'pull-request': '7', count: '1' });
    expect(() => onlyWith(source, specs, ['count'], 'preview', false, 'why')).not.toThrow();
    const error = configError(() =>
      onlyWith(source, specs, ['count', 'pull-request'], 'preview', false, 'it is for previews'),
    );
    expect(error.code).toBe(CONFLICTING_INPUTS);
    expect(error.message).toBe('Input "pull-request" does nothing without "preview" (it is for previews).');
  });

  test('sameRegion refuses an ARN in another region than "region" or AWS_REGION', () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod';
    expect(() => sameRegion(from({}), [['cluster', arn]], { AWS_REGION: 'eu-west-1' })).not.toThrow();
    const error = configError(() => sameRegion(from({ region: 'us-east-1' }), [['cluster', arn]], {}));
    expect(error.message).toBe('Input "cluster" is an ARN in eu-west-1, but input "region" is us-east-1.');
  });
});
