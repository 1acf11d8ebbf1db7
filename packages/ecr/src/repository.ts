import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  ImageTagMutability,
  PutLifecyclePolicyCommand,
  Repository,
} from '@aws-sdk/client-ecr';
import { Logger, awsErrorName } from '@slipway/kit';

export interface RepositorySettings {
  name: string;
  registryId?: string;
  mutability: ImageTagMutability;
  kmsKey?: string;
  /** Keep the newest N untagged images and N `pr-*` images; expire older ones. */
  keepImages?: number;
}

export interface EnsuredRepository {
  uri: string;
  created: boolean;
  immutable: boolean;
  warnings: string[];
}

export function lifecyclePolicy(keep: number): string {
  const rule = (rulePriority: number, description: string, selection: Record<string, unknown>) => ({
    rulePriority,
    description,
    selection: { ...selection, countType: 'imageCountMoreThan', countNumber: keep },
    action: { type: 'expire' },
  });
  return JSON.stringify({
    rules: [
      rule(1, `Keep the last ${keep} pull-request images`, { tagStatus: 'tagged', tagPrefixList: ['pr-'] }),
      rule(2, `Keep the last ${keep} untagged images`, { tagStatus: 'untagged' }),
    ],
  });
}

/**
 * Creates the repository with our settings, or checks an existing one against them. An existing
 * repository is never changed: every difference becomes a warning for a human to decide on.
 */
export async function ensureRepository(
  ecr: ECRClient,
  settings: RepositorySettings,
  logger: Logger,
): Promise<EnsuredRepository> {
  const existing = await describe(ecr, settings);
  if (!existing) {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        registryId: settings.registryId,
        repositoryName: settings.name,
        imageTagMutability: settings.mutability,
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: settings.kmsKey
          ? { encryptionType: 'KMS', kmsKey: settings.kmsKey }
          : { encryptionType: 'AES256' },
      }),
    );
    if (settings.keepImages) {
      await ecr.send(
        new PutLifecyclePolicyCommand({
          registryId: settings.registryId,
          repositoryName: settings.name,
          lifecyclePolicyText: lifecyclePolicy(settings.keepImages),
        }),
      );
    }
    logger.info(
      `Created repository ${created.repository?.repositoryUri} (${settings.mutability} tags, scan on push).`,
    );
    return {
      uri: created.repository!.repositoryUri!,
      created: true,
      immutable: settings.mutability === 'IMMUTABLE',
      warnings: [],
    };
  }

  const warnings: string[] = [];
  const actual = existing.imageTagMutability ?? 'MUTABLE';
  if (actual !== settings.mutability) {
    warnings.push(
      `Repository ${settings.name} has ${actual} tags, not ${settings.mutability}; left as it is.`,
    );
  }
  if (!existing.imageScanningConfiguration?.scanOnPush) {
    warnings.push(`Repository ${settings.name} does not scan on push; left as it is.`);
  }
  const encryption = existing.encryptionConfiguration?.encryptionType ?? 'AES256';
  if ((settings.kmsKey ? 'KMS' : 'AES256') !== encryption) {
    warnings.push(
      `Repository ${settings.name} is encrypted with ${encryption}, not ${settings.kmsKey ? 'KMS' : 'AES256'}; left as it is.`,
    );
  }
  if (settings.keepImages && !(await hasLifecyclePolicy(ecr, settings))) {
    warnings.push(
      `Repository ${settings.name} has no lifecycle policy; "keep-images" only applies to repositories it creates.`,
    );
  }
  for (const warning of warnings) logger.warning(warning);
  return {
    uri: existing.repositoryUri!,
    created: false,
    immutable: actual.startsWith('IMMUTABLE'),
    warnings,
  };
}

async function describe(ecr: ECRClient, settings: RepositorySettings): Promise<Repository | undefined> {
  try {
    const answer = await ecr.send(
      new DescribeRepositoriesCommand({ registryId: settings.registryId, repositoryNames: [settings.name] }),
    );
    return answer.repositories?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'RepositoryNotFoundException') return undefined;
    throw error;
  }
}

async function hasLifecyclePolicy(ecr: ECRClient, settings: RepositorySettings): Promise<boolean> {
  try {
    await ecr.send(
      new GetLifecyclePolicyCommand({ registryId: settings.registryId, repositoryName: settings.name }),
    );
    return true;
  } catch (error) {
    if (awsErrorName(error) === 'LifecyclePolicyNotFoundException') return false;
    throw error;
  }
}
