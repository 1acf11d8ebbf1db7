import * as core from '@actions/core';
import * as github from '@actions/github';
import { selectServicesFlow } from '@slipway/flows';
import { readSelectServicesRequest } from '@slipway/pipeline';
import { runAction } from '../common/lifecycle';
import { actionInputs, actionLogger } from '../common/runtime';

export function run(): Promise<void> {
  return runAction({
    main: async () => {
      const request = readSelectServicesRequest(actionInputs);
      const { payload, sha } = github.context;
      const { result } = await selectServicesFlow(
        request,
        { sha, before: payload.before, pullRequestBase: payload.pull_request?.base?.sha },
        process.env.GITHUB_WORKSPACE ?? process.cwd(),
      );
      const { selected, keys, files, reason, migrations, prompts } = result;
      if (reason) core.notice(`Every service is selected: ${reason}.`, { title: 'Every service deploys' });
      actionLogger.info(
        `${files === 'all' ? 'Every file counts as changed' : `${files.length} changed file(s)`} → ${selected.map((s) => s.service).join(', ') || 'no service to deploy'}${migrations ? '; migrations changed' : ''}${prompts ? '; prompts changed' : ''}.`,
      );
      return {
        summary: reason && `**Every service deploys:** ${reason}.\n`,
        outputs: {
          matrix: JSON.stringify({
            include: selected.map((spec) => ({ ...spec, 'source-key': keys.get(spec.service) })),
          }),
          services: JSON.stringify(selected.map((s) => s.service)),
          any: String(selected.length > 0),
          migrations: String(migrations),
          prompts: String(prompts),
          reason: reason ?? '',
        },
      };
    },
  });
}
