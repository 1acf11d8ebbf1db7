import { commitInput } from '@slipway/kit';
import {
  changedFiles,
  readSelectServicesRequest,
  selectServices,
  sourceKeys,
  touches,
} from '@slipway/pipeline';
import type { Finished } from './finished';

type SelectServicesRequest = ReturnType<typeof readSelectServicesRequest>;

/** The run's revisions: its commit, and the base its event names (a push's "before", a pull request's base). */
export interface RunRevisions {
  sha: string;
  before?: string;
  pullRequestBase?: string;
}

export interface Selection {
  selected: ReturnType<typeof selectServices>;
  /** Per selected service, the key of its sources at head. */
  keys: Awaited<ReturnType<typeof sourceKeys>>;
  files: Awaited<ReturnType<typeof changedFiles>>['files'];
  /** Why every service is selected, when it is. */
  reason?: string;
  migrations: boolean;
  prompts: boolean;
}

/** select-services: the services, migrations and prompts the changes between two revisions touch. */
export async function selectServicesFlow(
  request: SelectServicesRequest,
  run: RunRevisions,
  cwd: string,
): Promise<Finished<Selection>> {
  // Revisions the caller gave must exist; the event's own "before" may not (a force push), which selects all.
  const base =
    (request.base && (await commitInput('base', request.base, cwd))) ?? run.before ?? run.pullRequestBase;
  const head = request.head ? await commitInput('head', request.head, cwd) : run.sha;
  const changes = await changedFiles(base, head, cwd);
  const selected = selectServices(request.services, changes.files);
  return {
    result: {
      selected,
      keys: await sourceKeys(selected, head, cwd),
      files: changes.files,
      reason: changes.reason,
      migrations: touches(request.migrationsPaths, changes.files),
      prompts: touches(request.promptsPaths, changes.files),
    },
  };
}
