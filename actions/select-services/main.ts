import * as core from '@actions/core';
import * as github from '@actions/github';
import { commitInput } from '@slipway/kit';
import {
  changedFiles,
  readSelectServicesRequest,
  selectServices,
  sourceKeys,
  touches,
} from '@slipway/pipeline';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async () => {
      const inputs = readSelectServicesRequest(actionInputs);
      const cwd = process.env.GITHUB_WORKSPACE ?? process.cwd();
      // Revisions the caller gave must exist; the event's own "before" may not (a force push), which selects all.
      const base =
        (inputs.base && (await commitInput('base', inputs.base, cwd))) ??
        github.context.payload.before ??
        github.context.payload.pull_request?.base?.sha;
      const head = inputs.head ? await commitInput('head', inputs.head, cwd) : github.context.sha;
      const changes = await changedFiles(base, head, cwd);
      const selected = selectServices(inputs.services, changes.files);
      const keys = await sourceKeys(selected, head, cwd);
      const migrations = touches(inputs.migrationsPaths, changes.files);
      const prompts = touches(inputs.promptsPaths, changes.files);
      if (changes.reason)
        core.notice(`Every service is selected: ${changes.reason}.`, { title: 'Every service deploys' });
      actionLogger.info(
        `${changes.files === 'all' ? 'Every file counts as changed' : `${changes.files.length} changed file(s)`} → ${selected.map((s) => s.service).join(', ') || 'no service to deploy'}${migrations ? '; migrations changed' : ''}${prompts ? '; prompts changed' : ''}.`,
      );
      return {
        summary: changes.reason && `**Every service deploys:** ${changes.reason}.\n`,
        outputs: {
          matrix: JSON.stringify({
            include: selected.map((spec) => ({ ...spec, 'source-key': keys.get(spec.service) })),
          }),
          services: JSON.stringify(selected.map((s) => s.service)),
          any: String(selected.length > 0),
          migrations: String(migrations),
          prompts: String(prompts),
          reason: changes.reason ?? '',
        },
      };
    },
  });
}
