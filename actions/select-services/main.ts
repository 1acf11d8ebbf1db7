import * as github from '@actions/github';
import { input, parseInputs } from '@slipway/kit';
import { changedFiles, parseServices, selectServices } from '@slipway/pipeline';
import { actionInputs, actionLogger, runStep, setOutputs } from '../common/runtime';

export function run(): Promise<void> {
  return runStep(async () => {
    const inputs = parseInputs(actionInputs, {
      services: input.string({ required: true }),
      base: input.string(),
      head: input.string(),
    });
    const services = parseServices(inputs.services);
    const base =
      inputs.base ?? github.context.payload.before ?? github.context.payload.pull_request?.base?.sha;
    const changed = await changedFiles(
      base,
      inputs.head ?? github.context.sha,
      process.env.GITHUB_WORKSPACE ?? process.cwd(),
    );
    const selected = selectServices(services, changed);
    actionLogger.info(
      `${changed === 'all' ? 'No base commit: every service' : `${changed.length} changed file(s)`} → ${selected.map((s) => s.service).join(', ') || 'nothing to deploy'}.`,
    );
    setOutputs({
      matrix: JSON.stringify({ include: selected }),
      services: JSON.stringify(selected.map((s) => s.service)),
      any: String(selected.length > 0),
    });
  });
}
