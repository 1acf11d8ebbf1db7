/**
 * The one bundle behind every action. dist/<name>/index.js only calls `run(name)`, and each program is
 * loaded on demand, so a step parses the code it runs and the code it shares is shipped once. The CLI is
 * not here: every runner downloads dist/, so the CLI is bundled into its npm package when that is packed.
 */
const programs: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  'build-push-ecr': () => import('./build-push-ecr/main'),
  'ecs-deploy': () => import('./ecs-deploy/main'),
  'preview-comment': () => import('./preview-comment/main'),
  'run-migrations-via-bastion': () => import('./run-migrations-via-bastion/main'),
  'select-services': () => import('./select-services/main'),
  'sync-prompts': () => import('./sync-prompts/main'),
  'validate-deploy': () => import('./validate-deploy/main'),
};

export const names = Object.keys(programs);

export function run(name: string): Promise<void> {
  const load = programs[name];
  if (!load) throw new Error(`No Slipway program named "${name}".`);
  return load().then((program) => program.run());
}
