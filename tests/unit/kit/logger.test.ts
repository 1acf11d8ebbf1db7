import { consoleLogger, memoryLogger } from '@slipway/kit';
import { restoreEnvAfterEach } from '../../helpers/env';

restoreEnvAfterEach();

describe('consoleLogger', () => {
  test.each([
    ['info', 'deploying', 'deploying'],
    ['warning', 'slow', 'warning: slow'],
    ['error', 'failed', 'error: failed'],
  ] as const)('%s writes one prefixed line', (level, message, line) => {
    const lines: string[] = [];
    consoleLogger((l) => lines.push(l))[level](message);
    expect(lines).toEqual([line]);
  });

  test.each([
    ['unset', undefined, []],
    ['empty', '', []],
    ['set', '1', ['debug: details']],
  ])('debug with SLIPWAY_DEBUG %s', (_label, value, expected) => {
    if (value === undefined) delete process.env.SLIPWAY_DEBUG;
    else process.env.SLIPWAY_DEBUG = value;
    const lines: string[] = [];
    consoleLogger((l) => lines.push(l)).debug('details');
    expect(lines).toEqual(expected);
  });

  test('group writes its title, runs the body and returns its value', async () => {
    const lines: string[] = [];
    const logger = consoleLogger((l) => lines.push(l));
    const value = await logger.group('Register', async () => {
      logger.info('inside');
      return 7;
    });
    expect(value).toBe(7);
    expect(lines).toEqual(['▸ Register', 'inside']);
  });

  test('group passes a failing body on', async () => {
    const logger = consoleLogger(() => undefined);
    await expect(logger.group('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  test('writes to stderr by default', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      consoleLogger().info('to stderr');
      expect(write).toHaveBeenCalledWith('to stderr\n');
    } finally {
      write.mockRestore();
    }
  });
});

describe('memoryLogger', () => {
  test('collects every line, debug included whatever SLIPWAY_DEBUG says', async () => {
    delete process.env.SLIPWAY_DEBUG;
    const logger = memoryLogger();
    logger.debug('d');
    logger.info('i');
    logger.warning('w');
    logger.error('e');
    await logger.group('g', async () => undefined);
    expect(logger.lines).toEqual(['debug: d', 'i', 'warning: w', 'error: e', '▸ g']);
  });
});
