/**
 * Jest globalSetup of the integration and end-to-end projects: before any test runs, every command in
 * .ci/prerequisites must be there, or the run stops with one line naming each missing one by its
 * package and the command that installs them all.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface Prerequisite {
  command: string;
  via: 'apt' | 'pip';
  pkg: string;
}

const root = join(__dirname, '..', '..');

export function readPrerequisites(file = join(root, '.ci', 'prerequisites')): Prerequisite[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [command, via, pkg] = line.split(/\s+/);
      if (!command || (via !== 'apt' && via !== 'pip') || !pkg)
        throw new Error(`${file}: bad line "${line}"`);
      return { command, via, pkg };
    });
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  if (isAbsolute(command)) return executable(command);
  return path.split(delimiter).some((dir) => dir && executable(join(dir, command)));
}

/** A command on PATH, or `<python>:<module>`: a module that Python imports (a python3-* package has no command). */
export function available(command: string): boolean {
  const module = /^(\/\S+):([A-Za-z_][\w.]*)$/.exec(command);
  if (!module) return onPath(command);
  return executable(module[1]!) && spawnSync(module[1]!, ['-c', `import ${module[2]!}`]).status === 0;
}

/** The one line that names what is missing, or undefined when nothing is. */
export function missingLine(prerequisites: Prerequisite[], present = available): string | undefined {
  const missing = prerequisites.filter(({ command }) => !present(command));
  if (!missing.length) return undefined;
  const apt = missing.filter(({ via }) => via === 'apt').map(({ pkg }) => pkg);
  const pip = missing.filter(({ via }) => via === 'pip').map(({ pkg }) => `'${pkg}'`);
  const installs = [
    apt.length ? `apt-get install ${apt.join(' ')}` : '',
    pip.length ? `pip install ${pip.join(' ')}` : '',
  ].filter(Boolean);
  return (
    `Missing test prerequisites: ${missing.map(({ command, via, pkg }) => `${command} (${via} package ${pkg})`).join(', ')}. ` +
    `Run .ci/run to install them and run the suite, or install them yourself: ${installs.join('; ')}.`
  );
}

export default function globalSetup(): void {
  const line = missingLine(readPrerequisites());
  if (line) {
    // Thrown, jest would print a stack under the line; the line is the whole message.
    process.stderr.write(`\n${line}\n\n`);
    process.exit(1);
  }
}
