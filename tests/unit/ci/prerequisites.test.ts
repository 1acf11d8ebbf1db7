import { available, missingLine, onPath, readPrerequisites } from '../../helpers/prerequisites';

test('.ci/prerequisites names each command with its installer and package', () => {
  const list = readPrerequisites();
  expect(list).toEqual(
    expect.arrayContaining([
      { command: 'docker-registry', via: 'apt', pkg: 'docker-registry' },
      { command: '/usr/sbin/sshd', via: 'apt', pkg: 'openssh-server' },
      { command: 'moto_server', via: 'pip', pkg: 'moto[server]' },
    ]),
  );
});

test('what is missing is named by its package in one line, with the command that installs it all', () => {
  const list = readPrerequisites();
  const line = missingLine(list, (command) => !['docker-registry', 'moto_server'].includes(command));
  expect(line).toBe(
    'Missing test prerequisites: docker-registry (apt package docker-registry), moto_server (pip package moto[server]). ' +
      "Run .ci/run to install them and run the suite, or install them yourself: apt-get install docker-registry; pip install 'moto[server]'.",
  );
  expect(missingLine(list, () => true)).toBeUndefined();
});

test('a command is found on PATH or at its absolute path, and only if it is executable', () => {
  expect(onPath('sh')).toBe(true);
  expect(onPath('/bin/sh')).toBe(true);
  expect(onPath('sh', '/nonexistent')).toBe(false);
  expect(onPath(__filename)).toBe(false);
  expect(onPath('/tmp')).toBe(false);
});

test('a Python module is present when that interpreter imports it', () => {
  expect(available('/usr/bin/python3:json')).toBe(true);
  expect(available('/usr/bin/python3:no_such_module_here')).toBe(false);
  expect(available('/nonexistent/python3:json')).toBe(false);
  expect(available('sh')).toBe(true);
});
