#!/usr/bin/env node
// The docker CLI as build-push-ecr drives it, for a runner with no container engine: `build` reads the
// context and Dockerfile for real and makes an OCI manifest whose config carries the labels (one layer:
// the hash of the context's files); `push` puts that manifest into the registry's ECR API (the sandbox).
// Every build is appended to DOCKER_STAND_IN_LOG. A command it does not know fails, never a silent no-op.
import { createHash } from 'node:crypto';
import {
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  appendFileSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';

const state = process.env.DOCKER_STAND_IN_STATE;
const args = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`docker (stand-in): ${message}\n`);
  process.exit(1);
};
if (!state) fail('DOCKER_STAND_IN_STATE is not set');
mkdirSync(state, { recursive: true });
const sha256 = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const imageFile = (reference) => join(state, `${encodeURIComponent(reference)}.json`);

function files(dir, root = dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (name === '.git') return [];
      return statSync(path).isDirectory() ? files(path, root) : [relative(root, path)];
    });
}

async function ecr(operation, body) {
  const endpoint = process.env.AWS_ENDPOINT_URL_ECR ?? process.env.AWS_ENDPOINT_URL;
  if (!endpoint) fail('no ECR endpoint (AWS_ENDPOINT_URL_ECR)');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/20260101/${process.env.AWS_REGION}/ecr/aws4_request`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { ok: response.ok, text };
}

const [command, ...rest] = args;
if (command === '--version') {
  console.log('Docker version 27.0.0-slipway-stand-in, build stand-in');
} else if (command === 'buildx') {
  fail("'buildx' is not a docker command.");
} else if (command === 'login') {
  readFileSync(0);
  console.log('Login Succeeded');
} else if (command === 'logout') {
  console.log(`Removing login credentials for ${rest.at(-1)}`);
} else if (command === 'manifest' && rest[0] === 'rm') {
  process.exit(0);
} else if (command === 'build') {
  const labels = {};
  const tags = [];
  let dockerfile;
  let context;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--file') dockerfile = rest[++i];
    else if (flag === '--tag') tags.push(rest[++i]);
    else if (flag === '--label') {
      const [key, ...value] = rest[++i].split('=');
      labels[key] = value.join('=');
    } else if (flag === '--platform' || flag === '--build-arg' || flag === '--target') i++;
    else if (flag.startsWith('--')) fail(`build flag ${flag} is not implemented`);
    else context = flag;
  }
  if (!context || !existsSync(context)) fail(`unable to prepare context: path "${context}" not found`);
  if (!dockerfile || !existsSync(dockerfile))
    fail(`failed to read dockerfile: open ${dockerfile}: no such file or directory`);
  const hash = createHash('sha256');
  for (const file of files(resolve(context)))
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(context, file)));
  hash.update(readFileSync(dockerfile));
  const layer = `sha256:${hash.digest('hex')}`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Labels: labels },
    rootfs: { type: 'layers', diff_ids: [layer] },
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(config),
      size: config.length,
    },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 1024 }],
    annotations: labels,
  });
  for (const tag of tags) writeFileSync(imageFile(tag), manifest);
  appendFileSync(
    process.env.DOCKER_STAND_IN_LOG ?? join(state, 'builds.log'),
    `${JSON.stringify({ tags, context, layer })}\n`,
  );
  console.log(`Successfully built ${sha256(manifest).slice(7, 19)}`);
} else if (command === 'push') {
  const reference = rest[0];
  if (!reference || !existsSync(imageFile(reference)))
    fail(`An image does not exist locally with the tag: ${reference}`);
  const match = /^[^/]+\/(.+):([^:/]+)$/.exec(reference);
  if (!match) fail(`invalid reference format: ${reference}`);
  const answer = await ecr('PutImage', {
    repositoryName: match[1],
    imageTag: match[2],
    imageManifest: readFileSync(imageFile(reference), 'utf8'),
    imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
  });
  if (!answer.ok && !answer.text.includes('ImageAlreadyExistsException'))
    fail(`push ${reference}: ${answer.text}`);
  console.log(`${match[2]}: digest: ${sha256(readFileSync(imageFile(reference)))}`);
} else {
  fail(`"${args.join(' ')}" is not implemented`);
}
