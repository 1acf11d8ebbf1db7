import { Secrets } from '@slipway/kit';

function recording() {
  const sunk: string[] = [];
  return { sunk, secrets: new Secrets((secret) => sunk.push(secret)) };
}

describe('Secrets.register', () => {
  test('passes each new secret to the sink once', () => {
    const { sunk, secrets } = recording();
    secrets.register('hunter2');
    secrets.register('hunter2');
    secrets.register('s3cr3t');
    expect(sunk).toEqual(['hunter2', 's3cr3t']);
  });

  test.each([
    ['undefined', undefined],
    ['the empty string', ''],
  ])('ignores %s', (_label, value) => {
    const { sunk, secrets } = recording();
    secrets.register(value);
    expect(sunk).toEqual([]);
    expect(secrets.redact('nothing to hide')).toBe('nothing to hide');
  });

  test.each([
    ['\\n', '-----BEGIN KEY-----\nMIIEabc\n-----END KEY-----'],
    ['\\r\\n', '-----BEGIN KEY-----\r\nMIIEabc\r\n-----END KEY-----'],
  ])('registers a multi-line secret (%s) whole and line by line', (_label, pem) => {
    const { sunk, secrets } = recording();
    secrets.register(pem);
    expect(sunk).toEqual([pem, '-----BEGIN KEY-----', 'MIIEabc', '-----END KEY-----']);
    expect(secrets.redact('line: MIIEabc')).toBe('line: ***');
  });

  test('blank lines of a multi-line secret are not registered', () => {
    const { sunk, secrets } = recording();
    secrets.register('first\n\n   \nsecond');
    expect(sunk).toEqual(['first\n\n   \nsecond', 'first', 'second']);
    expect(secrets.redact('a  b')).toBe('a  b');
  });

  test('a line already known as a secret is not sent to the sink again', () => {
    const { sunk, secrets } = recording();
    secrets.register('token-a');
    secrets.register('token-a\ntoken-b');
    expect(sunk).toEqual(['token-a', 'token-a\ntoken-b', 'token-b']);
  });

  test('the default sink accepts secrets silently', () => {
    const secrets = new Secrets();
    expect(() => secrets.register('quiet')).not.toThrow();
    expect(secrets.redact('be quiet')).toBe('be ***');
  });
});

describe('Secrets.redact', () => {
  test.each([
    ['every occurrence', ['pw'], 'pw and pw again', '*** and *** again'],
    ['the longest secret first', ['abc', 'abcdef'], 'x abcdef y abc', 'x *** y ***'],
    ['longest first whatever the registration order', ['abcdef', 'abc'], 'abcdefabc', '******'],
    ['overlapping secrets', ['token', 'my-token-value'], 'my-token-value / token', '*** / ***'],
    ['text without secrets untouched', ['pw'], 'p w', 'p w'],
    ['regex metacharacters literally', ['a.b*c'], 'a.b*c axbbc', '*** axbbc'],
  ])('replaces %s', (_label, known, text, expected) => {
    const secrets = new Secrets();
    for (const secret of known) secrets.register(secret);
    expect(secrets.redact(text)).toBe(expected);
  });

  test('a multi-line secret printed whole is replaced whole', () => {
    const secrets = new Secrets();
    secrets.register('one\ntwo');
    expect(secrets.redact('key=one\ntwo;')).toBe('key=***;');
  });
});
