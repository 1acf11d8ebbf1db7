/**
 * Every push-triggered caller in docs/examples, one per seed team's flow, through the runner against the
 * real reusable workflow: a push to staging that touches no service's files. The caller's inputs must all
 * be declared by the reusable workflow with the right types, its expressions must evaluate, and its
 * services list must parse in select-services — or the run stops. Each flow deployed whole: deploy-lifecycle
 * (the general caller, prompts included) and seed-flows (init sequence, gateways, tag policy and rollback).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushEvent, runWorkflow } from '@slipway/runner';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..', '..');
const examples = join(root, 'docs', 'examples');
const pushCallers = readdirSync(examples)
  .filter((file) => file.endsWith('.yml'))
  .filter((file) => {
    const on = (
      parse(readFileSync(join(examples, file), 'utf8')) as { on: Record<string, { branches?: string[] }> }
    ).on;
    return on.push?.branches?.includes('staging');
  })
  .sort();

let dir: string;
let shas: string[];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-examples-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '-q', '-b', 'staging');
  shas = ['first', 'second'].map((text) => {
    writeFileSync(join(dir, 'NOTES.md'), `${text}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', text);
    return git('rev-parse', 'HEAD');
  });
  mkdirSync(join(dir, 'callers'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the seed flows each have a push caller', () => {
  expect(pushCallers.length).toBeGreaterThanOrEqual(4);
});

test.each(pushCallers)(
  '%s: its inputs and services are what the reusable workflow takes',
  async (file) => {
    const run = await runWorkflow({
      workflow: join(examples, file),
      event: pushEvent({
        repository: 'acme/deals',
        ref: 'refs/heads/staging',
        before: shas[0]!,
        after: shas[1]!,
      }),
      repo: dir,
      slipway: root,
    });
    expect(run.triggered).toBe(true);
    const jobs = Object.values(run.jobs).filter((job) => job.id.includes('/'));
    const select = jobs.find((job) => job.id.endsWith('/select'));
    expect(select?.runs[0]?.errors).toEqual([]);
    expect(select?.result).toBe('success');
    expect(select?.outputs.any).toBe('false');
    // Nothing changed that a service, the migrations or the prompts watch: nothing else runs.
    expect(jobs.filter((job) => job !== select && job.result !== 'skipped').map((job) => job.id)).toEqual([]);
  },
  60_000,
);
