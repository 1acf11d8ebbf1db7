import { join } from 'node:path';

/**
 * A directory to put first on the runner machine's PATH: `docker` and `gh` stand-ins for a machine with
 * no container engine and no GitHub CLI. docker builds from the real context and Dockerfile (an OCI
 * manifest whose config carries the labels; one layer, the hash of the context) and pushes through the
 * ECR API at AWS_ENDPOINT_URL_ECR; it needs DOCKER_STAND_IN_STATE (a directory) and appends each build
 * to DOCKER_STAND_IN_LOG. gh answers `gh pr list … --json number --jq '.[].number'` from GITHUB_API_URL.
 * Any other command fails.
 */
export const STAND_IN_TOOLS = join(__dirname, '..', 'tools');
