// What build-push-ecr, ecs's order check, the benches and the tests use; everything else stays inside.
export {
  commitOfTag,
  computeTags,
  explicitTags,
  fitToMutability,
  sanitiseTag,
  type GitContext,
} from './tags';
export { EcrStore, imageSize } from './store';
export { parseChallenge } from './distribution';
export { authFiles, registryCredentials } from './credentials';
export { imageRevision, locateImage } from './revision';
export { ensureRepository, lifecyclePolicy } from './repository';
export { dockerLogin, dockerLogout } from './login';
export { buildArguments, type BuildPlan } from './build';
export { ecrTarget, parseSource, publish, type PublishRequest } from './publish';
export { publishInputs, readPublishRequest } from './inputs';
export { publishOutputs, publishSummary } from './report';
