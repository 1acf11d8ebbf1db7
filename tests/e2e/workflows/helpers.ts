/** What the lifecycle tests share: running a push, and reading what the workflows left behind. */
import { pushEvent } from '@slipway/runner';
import type { RunResult } from '@slipway/runner';
import { REPOSITORY, type Environment, type World } from './world';

export const pushTo = (world: World, branch: string, [before, after]: [string, string]) =>
  world.run('deploy', pushEvent({ repository: REPOSITORY, ref: `refs/heads/${branch}`, before, after }));

/** Each job's result, matrix jobs by service: { 'deploy/deploy (deals-api)': 'success', … }. */
export function results(run: RunResult): Record<string, string> {
  const table: Record<string, string> = {};
  for (const job of Object.values(run.jobs)) {
    if (!job.id.includes('/')) continue;
    if (job.runs.length > 1 || (job.runs[0] && Object.keys(job.runs[0].matrix).length)) {
      for (const r of job.runs) table[`${job.id} (${String(r.matrix.service)})`] = r.result;
    } else table[job.id] = job.result;
  }
  return table;
}

export const errorsOf = (run: RunResult) =>
  Object.values(run.jobs).flatMap((job) => job.runs.flatMap((r) => r.errors.map((e) => `${job.id}: ${e}`)));

export const promptsOf = (world: World, environment: Environment) =>
  world.query<{ name: string; content: string }>(
    environment,
    'SELECT name, content FROM prompts ORDER BY name',
  );

export const sha7 = (sha: string) => `sha-${sha.slice(0, 7)}`;

/** The digest each container of an environment runs. */
export async function digestsOf(world: World, environment: Environment): Promise<Record<string, string>> {
  const api = (await world.running(environment, 'deals-api')).image;
  const worker = (await world.running(environment, 'deals-worker')).image;
  return { api: api.split('@')[1] ?? api, worker: worker.split('@')[1] ?? worker };
}
