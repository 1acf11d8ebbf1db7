import type { Value } from './expressions';
import { RunnerError } from './errors';

export type Access = 'none' | 'read' | 'write';
export type Permissions = Record<string, Access>;

const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
] as const;
const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };

/** GitHub's restricted default for a GITHUB_TOKEN when a workflow declares no permissions. */
export const DEFAULT_PERMISSIONS: Permissions = { ...all('none'), contents: 'read', packages: 'read' };

/** What a fork's pull request may have at most. */
export const FORK_CAP: Permissions = { ...all('read'), 'id-token': 'none' };

function all(access: Access): Permissions {
  // id-token has no read level: read-all leaves it out.
  return Object.fromEntries(SCOPES.map((s) => [s, s === 'id-token' && access === 'read' ? 'none' : access]));
}

/** A `permissions:` value (read-all, write-all, {} or a mapping) as a full table. */
export function parsePermissions(value: Value, where: string): Permissions {
  if (value === 'read-all') return all('read');
  if (value === 'write-all') return all('write');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RunnerError('workflow', `${where}: permissions must be read-all, write-all or a mapping.`);
  }
  const table = all('none');
  for (const [scope, access] of Object.entries(value)) {
    if (!(SCOPES as readonly string[]).includes(scope) || !(typeof access === 'string' && access in RANK)) {
      throw new RunnerError(
        'workflow',
        `${where}: permissions ${scope}: ${JSON.stringify(access)} is not understood.`,
      );
    }
    table[scope] = access as Access;
  }
  return table;
}

/** A called workflow's job gets at most what its caller had. */
export function capPermissions(permissions: Permissions, cap: Permissions): Permissions {
  return Object.fromEntries(
    Object.entries(permissions).map(([scope, access]) => {
      const limit = cap[scope] ?? 'none';
      return [scope, RANK[access] <= RANK[limit] ? access : limit];
    }),
  );
}
