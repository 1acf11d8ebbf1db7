import {
  DeployResult,
  EcsRequest,
  PreviewContext,
  PreviewResult,
  checkDeployFiles,
  deploy,
  deployFailure,
} from '@slipway/ecs';
import type { Finished } from './finished';

export type EcsDeployed =
  { mode: 'deploy'; deploy: DeployResult } | { mode: 'preview'; preview: PreviewResult };

/**
 * ecs-deploy: the task-definition file and AppSpec are read before any call, then a deploy is followed
 * to its verdict, or a preview deployed, deleted or swept. A failed or rolled-back deploy is the failure,
 * reported after its summary. The ELB client is made only by previews, which alone manage listener rules.
 */
export async function ecsDeploy(step: EcsRequest, context: PreviewContext): Promise<Finished<EcsDeployed>> {
  if (step.mode === 'deploy') {
    await checkDeployFiles(step.deploy);
    const result = await deploy(step.deploy, context);
    return { result: { mode: 'deploy', deploy: result }, failure: deployFailure(result) };
  }
  if (step.preview.action === 'deploy') await checkDeployFiles(step.preview.deploy);
  // The preview's code loads only for previews.
  const { runPreview } = await import('@slipway/ecs');
  const result = await runPreview(step.preview, context);
  return {
    result: { mode: 'preview', preview: result },
    failure: result.action === 'deploy' ? deployFailure(result.deployment) : undefined,
  };
}
