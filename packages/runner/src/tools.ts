import { join } from 'node:path';

/**
 * A directory to put first on the runner machine's PATH: a `docker` stand-in for a machine with no
 * container engine. It builds from the real context and Dockerfile (an OCI
 * manifest whose config carries the labels; one layer, the hash of the context) and pushes through the
 * ECR API at AWS_ENDPOINT_URL_ECR; it needs DOCKER_STAND_IN_STATE (a directory) and appends each build
 * to DOCKER_STAND_IN_LOG, each login and logout to <DOCKER_STAND_IN_STATE>/sessions.log. Any other
 * command fails.
 */
export const STAND_IN_TOOLS = join(__dirname, '..', 'tools');
