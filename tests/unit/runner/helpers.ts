import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A git repository in a temp dir, with one commit per entry of `commits` (path → content). */
export function gitRepository(commits: Record<string, string>[]): {
  dir: string;
  shas: string[];
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-runner-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q', '-b', 'main');
  const shas = commits.map((files, i) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', `commit ${i + 1}`);
    return git('rev-parse', 'HEAD');
  });
  return { dir, shas, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a workflow file into a temp dir and returns its path. */
export function workflowFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}
