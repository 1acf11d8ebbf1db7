import { ConfigurationError } from '@slipway/kit';
import { ECR } from './codes';

/** What the tag policy needs to know about the run, from the GitHub context or a CLI. */
export interface GitContext {
  eventName: string;
  /** The commit the run is for; on pull requests this is GitHub's merge commit. */
  sha: string;
  ref: string;
  pullRequest?: { number: number; headSha: string };
}

export interface PlannedTag {
  tag: string;
  /** Moving tags point at different images over time; an IMMUTABLE repository cannot take them. */
  moving: boolean;
  why: string;
}

const TAG = /^[a-z0-9_][a-z0-9_.-]{0,127}$/;
/** Tags that name one build forever: a full version or a commit. Every other tag may move. */
const FIXED = /^(v?\d+\.\d+\.\d+([-+][0-9a-z.-]+)?|sha-[0-9a-f]{7,40})$/;
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Lowercase, anything a registry refuses becomes `-`, at most 128 characters. */
export function sanitiseTag(raw: string): string {
  const tag = raw
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
  return tag || 'unnamed';
}

/** The commit the image is built from: the PR head, not GitHub's merge commit, on pull requests. */
export function commitOf(context: GitContext): string {
  return context.pullRequest?.headSha ?? context.sha;
}

export function commitTag(context: GitContext): string {
  return `sha-${commitOf(context).slice(0, 7)}`;
}

/** The commit a `sha-<hex>` tag names (the tag every build gets), or undefined for another tag. */
export function commitOfTag(tag: string | undefined): string | undefined {
  return tag ? /^sha-([0-9a-f]{7,64})$/.exec(tag)?.[1] : undefined;
}

/**
 * The documented tag policy: `sha-<7>` always; the branch on branch pushes; `pr-<N>` on pull requests;
 * `1.2.3`, `1.2`, `1` on a `v1.2.3` tag (a pre-release gets only its full version); the environment.
 */
export function computeTags(context: GitContext, environment?: string): PlannedTag[] {
  const planned: PlannedTag[] = [{ tag: commitTag(context), moving: false, why: 'commit' }];
  const branch = /^refs\/heads\/(.+)$/.exec(context.ref)?.[1];
  const gitTag = /^refs\/tags\/(.+)$/.exec(context.ref)?.[1];
  if (context.pullRequest) {
    planned.push({ tag: `pr-${context.pullRequest.number}`, moving: true, why: 'pull request' });
  } else if (branch) {
    planned.push({ tag: sanitiseTag(branch), moving: true, why: 'branch' });
  }
  const semver = gitTag ? SEMVER.exec(gitTag) : null;
  if (semver) {
    const [, major, minor, patch, pre] = semver;
    planned.push({
      tag: sanitiseTag(`${major}.${minor}.${patch}${pre ?? ''}`),
      moving: false,
      why: 'release',
    });
    if (!pre) {
      planned.push({ tag: `${major}.${minor}`, moving: true, why: 'release line' });
      planned.push({ tag: `${major}`, moving: true, why: 'major release' });
    }
  } else if (gitTag) {
    planned.push({ tag: sanitiseTag(gitTag), moving: false, why: 'git tag' });
  }
  if (environment) planned.push({ tag: sanitiseTag(environment), moving: true, why: 'environment' });
  return dedupe(planned);
}

/** Tags a user asks for by name must already be valid: we never rewrite what was typed. */
export function explicitTags(tags: string[]): PlannedTag[] {
  return tags.map((tag) => {
    if (!TAG.test(tag)) {
      throw new ConfigurationError(
        ECR.INVALID_TAG,
        `Input "tags": "${tag.length > 60 ? `${tag.slice(0, 57)}...` : tag}" is not a valid image tag${tag.length > 128 ? ` (${tag.length} characters)` : ''}.`,
        {
          remedy:
            'Tags are lowercase letters, digits, "_", "." and "-", start with a letter, digit or "_", and have at most 128 characters.',
        },
      );
    }
    return { tag, moving: !FIXED.test(tag), why: 'requested' };
  });
}

/**
 * On an IMMUTABLE repository a moving tag would fail on its second push: computed ones are left out,
 * and requested ones are refused before anything is built or pushed.
 */
export function fitToMutability(
  tags: PlannedTag[],
  immutable: boolean,
): { kept: PlannedTag[]; dropped: PlannedTag[] } {
  if (!immutable) return { kept: tags, dropped: [] };
  const refused = tags.filter((t) => t.moving && t.why === 'requested');
  if (refused.length) {
    throw new ConfigurationError(
      ECR.MUTABLE_TAG_ON_IMMUTABLE_REPOSITORY,
      `Input "tags": ${refused.map((t) => `"${t.tag}"`).join(', ')} would move between images, and the repository's tags are IMMUTABLE.`,
      {
        remedy:
          'Use version or commit tags in production (sha-…, 1.2.3), or make the repository MUTABLE with "tag-mutability".',
      },
    );
  }
  return { kept: tags.filter((t) => !t.moving), dropped: tags.filter((t) => t.moving) };
}

function dedupe(tags: PlannedTag[]): PlannedTag[] {
  const seen = new Set<string>();
  return tags.filter((t) => !seen.has(t.tag) && seen.add(t.tag));
}

export function mergeTags(computed: PlannedTag[], requested: PlannedTag[]): PlannedTag[] {
  return dedupe([...computed, ...requested]);
}
