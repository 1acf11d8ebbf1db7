import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ts from 'typescript';

/*
 * docs/iam/<action>.json must grant exactly what the action's code can call: the AWS SDK commands
 * (`new XxxCommand(`, `paginateXxx(`) in the sources its bundle reaches from actions/<action>/main.ts,
 * plus the few permissions no SDK call shows (NOT_SDK_CALLS below). Reaching follows relative and
 * @slipway/* imports (a package is packages/<name>/src/index.ts) by name: importing `describe` from
 * @slipway/ecs follows the re-export that provides `describe`, not every module of the package, so a
 * read-only action does not inherit the write calls of a package it takes one helper from. Within a
 * module everything counts (a whole file is reached, not a function).
 */

const root = join(__dirname, '..', '..', '..');

/** SDK client package → IAM service prefix. A client missing here fails the test: add it. */
const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-codedeploy': 'codedeploy',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-ec2-instance-connect': 'ec2-instance-connect',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-kms': 'kms',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sts': 'sts',
};

/**
 * SDK operations whose IAM action has another name (service:Operation → service:Action). Every
 * operation the code calls today is authorised by the action of the same name.
 */
const IAM_ACTION_FOR: Record<string, string> = {};

/**
 * Permissions a policy grants that no SDK call in the code shows, per action, each with its reason.
 * Anything else in a policy must be reached by the code, and anything the code reaches must be in it.
 */
const NOT_SDK_CALLS: Record<string, Record<string, string>> = {
  'ecs-deploy': {
    // RegisterTaskDefinition passes the definition's taskRoleArn / executionRoleArn to ECS.
    'iam:PassRole': 'task and execution roles of the registered task definitions',
    // Tagging authorisation: RegisterTaskDefinition carries the live revision's tags, and CreateService
    // tags a preview service.
    'ecs:TagResource': 'tags given to RegisterTaskDefinition and CreateService',
    // CreateTargetGroup and CreateRule tag the preview's target group and listener rule.
    'elasticloadbalancing:AddTags': 'tags given to CreateTargetGroup and CreateRule',
    // CreateDeployment registers the AppSpec as an application revision and reads the group's config.
    'codedeploy:RegisterApplicationRevision': 'CreateDeployment with an AppSpec',
    'codedeploy:GetApplicationRevision': 'CreateDeployment with an AppSpec',
    'codedeploy:GetDeploymentConfig': "CreateDeployment reads the group's deployment config",
  },
  'build-push-ecr': {
    // `docker push` (the docker CLI, logged in with GetAuthorizationToken) uploads layers itself.
    'ecr:BatchCheckLayerAvailability': 'docker push',
    'ecr:InitiateLayerUpload': 'docker push',
    'ecr:UploadLayerPart': 'docker push',
    'ecr:CompleteLayerUpload': 'docker push',
    // `docker buildx build --cache-from` (and FROM images in the same registry) download layers.
    'ecr:GetDownloadUrlForLayer': 'docker pull of the build cache and base images',
    // ECR calls KMS with the caller's permissions when CreateRepository names a kms-key.
    'kms:DescribeKey': 'CreateRepository with kms-key',
    'kms:CreateGrant': 'CreateRepository with kms-key',
    'kms:RetireGrant': 'CreateRepository with kms-key',
  },
  'run-migrations-via-bastion': {
    // GetSecretValue and GetParameters(ByPath) WithDecryption under a customer managed key.
    'kms:Decrypt': 'secrets and SecureString parameters under a customer managed key',
  },
  'sync-prompts': {
    'kms:Decrypt': 'secrets and SecureString parameters under a customer managed key',
  },
};

/** Actions whose IAM authorisation has no resource-level permissions: their only Resource is "*". */
const NO_RESOURCE_LEVEL = new Set([
  'ec2:DescribeInstances',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ecr:GetAuthorizationToken',
  'ecs:DeregisterTaskDefinition',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitions',
  'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
]);

/** Actions granted on "*" only together with a Condition that scopes them (ecs:cluster). */
const SCOPED_BY_CONDITION = new Set(['ecs:ListServices', 'ecs:ListTasks']);

// ---------------------------------------------------------------------------------------------------
// Reaching the code

/** Names asked of a module; '*' is all of them (a namespace import, or `export *` of a namespace). */
type Names = Set<string>;
const ALL = '*';

interface Link {
  file: string;
  /** Imported name → the name it has in the target module (identity unless aliased). */
  names: Map<string, string> | typeof ALL;
}

interface Module {
  imports: Link[];
  starExports: string[];
  /** Exported name → where it comes from (name in the target module, or ALL for `export * as ns`). */
  namedReexports: Map<string, { file: string; name: string }>;
  localExports: Set<string>;
  calls: string[];
  unresolved: string[];
}

function resolveSpecifier(base: string, from: string, specifier: string): string | undefined {
  let path: string | undefined;
  if (specifier.startsWith('.')) path = join(dirname(from), specifier);
  else if (specifier.startsWith('@slipway/')) {
    const [, name, ...rest] = specifier.split('/');
    path = join(base, 'packages', name!, 'src', ...(rest.length ? rest : ['index']));
  }
  if (!path) return undefined;
  const found = [`${path}.ts`, join(path, 'index.ts')].find((candidate) => existsSync(candidate));
  if (found) return found;
  // A JSON or JavaScript file (resolveJsonModule) holds no SDK call to find.
  if (existsSync(path) && statSync(path).isFile() && !path.endsWith('.ts')) return undefined;
  throw new Error(`${from}: cannot resolve "${specifier}"`);
}

const hasExportModifier = (node: ts.Node) =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function parseModule(base: string, file: string): Module {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const module: Module = {
    imports: [],
    starExports: [],
    namedReexports: new Map(),
    localExports: new Set(),
    calls: [],
    unresolved: [],
  };
  const sdkNames = new Map<string, { pkg: string; name: string }>();
  const sdkNamespaces = new Map<string, string>();

  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const names = new Map<string, string>();
      let all = !clause; // a bare `import 'x'` runs all of x
      if (clause?.name) names.set('default', clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) {
        all = true;
        if (specifier.startsWith('@aws-sdk/client-')) sdkNamespaces.set(bindings.name.text, specifier);
      } else if (bindings) {
        for (const element of bindings.elements) {
          if (element.isTypeOnly) continue;
          const imported = (element.propertyName ?? element.name).text;
          names.set(imported, element.name.text);
          if (specifier.startsWith('@aws-sdk/client-'))
            sdkNames.set(element.name.text, { pkg: specifier, name: imported });
        }
      }
      const target = resolveSpecifier(base, file, specifier);
      if (target && (all || names.size)) module.imports.push({ file: target, names: all ? ALL : names });
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) continue;
      const specifier =
        statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined;
      const target = specifier ? resolveSpecifier(base, file, specifier) : undefined;
      const clause = statement.exportClause;
      if (!clause) {
        if (target) module.starExports.push(target);
      } else if (ts.isNamespaceExport(clause)) {
        if (target) module.namedReexports.set(clause.name.text, { file: target, name: ALL });
      } else {
        for (const element of clause.elements) {
          if (element.isTypeOnly) continue;
          const exported = element.name.text;
          if (target) {
            module.namedReexports.set(exported, {
              file: target,
              name: (element.propertyName ?? element.name).text,
            });
          } else module.localExports.add(exported);
        }
      }
    } else if (ts.isExportAssignment(statement)) {
      module.localExports.add('default');
    } else if (hasExportModifier(statement)) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations)
          if (ts.isIdentifier(declaration.name)) module.localExports.add(declaration.name.text);
      } else {
        const name = (statement as ts.DeclarationStatement).name;
        if (name && ts.isIdentifier(name)) module.localExports.add(name.text);
      }
    }
  }

  const record = (pkg: string, operation: string) => {
    const prefix = IAM_PREFIX[pkg];
    if (!prefix) {
      module.unresolved.push(`${file}: ${operation} from ${pkg}, a client with no IAM prefix in IAM_PREFIX`);
      return;
    }
    const action = `${prefix}:${operation}`;
    module.calls.push(IAM_ACTION_FOR[action] ?? action);
  };
  // `const { A, B } = await import('x')` and `(await import('x')).A` load A and B; anything else, all of x.
  const dynamicImport = (node: ts.CallExpression) => {
    const [argument] = node.arguments;
    if (!argument || !ts.isStringLiteral(argument)) return;
    const specifier = argument.text;
    let outer: ts.Node = node.parent;
    if (ts.isAwaitExpression(outer)) outer = outer.parent;
    const names = new Map<string, string>();
    if (ts.isVariableDeclaration(outer) && ts.isObjectBindingPattern(outer.name)) {
      for (const element of outer.name.elements) {
        const local = element.name;
        if (!ts.isIdentifier(local)) continue;
        const imported =
          element.propertyName && ts.isIdentifier(element.propertyName)
            ? element.propertyName.text
            : local.text;
        names.set(imported, local.text);
        if (specifier.startsWith('@aws-sdk/client-'))
          sdkNames.set(local.text, { pkg: specifier, name: imported });
      }
    } else if (ts.isParenthesizedExpression(outer) && ts.isPropertyAccessExpression(outer.parent)) {
      names.set(outer.parent.name.text, outer.parent.name.text);
    }
    const target = resolveSpecifier(base, file, specifier);
    if (target) module.imports.push({ file: target, names: names.size ? names : ALL });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      dynamicImport(node);
    if (ts.isNewExpression(node)) {
      const callee = node.expression;
      const sdk = ts.isIdentifier(callee) ? sdkNames.get(callee.text) : undefined;
      if (sdk && /Command$/.test(sdk.name)) record(sdk.pkg, sdk.name.replace(/Command$/, ''));
      else if (ts.isIdentifier(callee) && /Command$/.test(callee.text)) {
        module.unresolved.push(`${file}: new ${callee.text}( is not an @aws-sdk/client-* command`);
      } else if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        /Command$/.test(callee.name.text)
      ) {
        const pkg = sdkNamespaces.get(callee.expression.text);
        if (pkg) record(pkg, callee.name.text.replace(/Command$/, ''));
        else module.unresolved.push(`${file}: new ${callee.getText()}( is not an @aws-sdk/client-* command`);
      }
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee)
        ? callee.text
        : ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : undefined;
      if (name && /^paginate[A-Z]/.test(name)) {
        const sdk = ts.isIdentifier(callee) ? sdkNames.get(name) : undefined;
        const pkg =
          ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)
            ? sdkNamespaces.get(callee.expression.text)
            : sdk?.pkg;
        const operation = (sdk?.name ?? name).replace(/^paginate/, '');
        if (pkg) record(pkg, operation);
        else module.unresolved.push(`${file}: ${name}( is not an @aws-sdk/client-* paginator`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return module;
}

/** The IAM actions (service:Action) the code reached from an entry file can call. */
function reachableCalls(base: string, entry: string): { calls: Set<string>; unresolved: string[] } {
  const modules = new Map<string, Module>();
  const load = (file: string) => {
    let module = modules.get(file);
    if (!module) modules.set(file, (module = parseModule(base, file)));
    return module;
  };
  const exportCache = new Map<string, Set<string>>();
  const exportsOf = (file: string, seen = new Set<string>()): Set<string> => {
    const cached = exportCache.get(file);
    if (cached) return cached;
    if (seen.has(file)) return new Set();
    seen.add(file);
    const module = load(file);
    const names = new Set([...module.localExports, ...module.namedReexports.keys()]);
    for (const star of module.starExports)
      for (const name of exportsOf(star, seen)) if (name !== 'default') names.add(name);
    exportCache.set(file, names);
    return names;
  };

  const asked = new Map<string, Names>();
  const queue: { file: string; names: Names }[] = [{ file: entry, names: new Set([ALL]) }];
  while (queue.length) {
    const { file, names } = queue.shift()!;
    const before = asked.get(file);
    const fresh = [...names].filter((name) => !before?.has(name) && !before?.has(ALL));
    if (before && !fresh.length) continue;
    asked.set(file, new Set([...(before ?? []), ...fresh]));
    const module = load(file);
    if (!before) {
      for (const link of module.imports)
        queue.push({ file: link.file, names: new Set(link.names === ALL ? [ALL] : link.names.keys()) });
    }
    const forward = (target: string, name: string) => queue.push({ file: target, names: new Set([name]) });
    for (const name of fresh) {
      if (name === ALL) {
        for (const star of module.starExports) forward(star, ALL);
        for (const { file: target, name: inner } of module.namedReexports.values()) forward(target, inner);
        continue;
      }
      const named = module.namedReexports.get(name);
      if (named) forward(named.file, named.name);
      else if (!module.localExports.has(name))
        for (const star of module.starExports) if (exportsOf(star).has(name)) forward(star, name);
    }
  }
  const calls = new Set<string>();
  const unresolved: string[] = [];
  for (const file of asked.keys()) {
    const module = load(file);
    module.calls.forEach((call) => calls.add(call));
    unresolved.push(...module.unresolved);
  }
  return { calls, unresolved };
}

// ---------------------------------------------------------------------------------------------------
// The policies

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
interface Policy {
  Version: string;
  Statement: Statement[];
}

const iamDir = join(root, 'docs', 'iam');
const actionNames = readdirSync(join(root, 'actions'))
  .filter((name) => existsSync(join(root, 'actions', name, 'action.yml')))
  .sort();
const reached = new Map(
  actionNames.map((name) => [name, reachableCalls(root, join(root, 'actions', name, 'main.ts'))]),
);
const policyFiles = readdirSync(iamDir)
  .filter((file) => file.endsWith('.json'))
  .sort();
const readPolicy = (action: string) =>
  JSON.parse(readFileSync(join(iamDir, `${action}.json`), 'utf8')) as Policy;
const actionsOf = (policy: Policy) => new Set(policy.Statement.flatMap((statement) => statement.Action));
const resourcesOf = (statement: Statement) =>
  typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;

describe('the code reached from each action', () => {
  test.each(actionNames)('%s: every Command is an AWS SDK call with a known IAM prefix', (action) => {
    expect(reached.get(action)!.unresolved).toEqual([]);
  });

  test('is followed by name: read-only and database actions do not inherit write calls', () => {
    const calls = (action: string) => reached.get(action)!.calls;
    expect(calls('ecs-deploy')).toContain('ecs:UpdateService');
    expect(calls('ecs-deploy')).toContain('elasticloadbalancing:CreateRule');
    expect(calls('validate-deploy')).toContain('ecs:DescribeServices');
    expect(calls('validate-deploy')).not.toContain('ecs:UpdateService');
    expect(calls('sync-prompts')).toContain('secretsmanager:GetSecretValue');
    expect(calls('sync-prompts')).toContain('ssm:StartSession'); // its tunnel to a private database
    expect(calls('validate-deploy')).not.toContain('ssm:StartSession');
  });
});

describe('docs/iam', () => {
  test('has a policy for exactly the actions whose code calls AWS', () => {
    const callingAws = actionNames.filter((action) => reached.get(action)!.calls.size > 0);
    expect(policyFiles).toEqual(callingAws.map((action) => `${action}.json`));
  });

  test.each(policyFiles)('%s is an IAM policy document', (file) => {
    const policy = JSON.parse(readFileSync(join(iamDir, file), 'utf8')) as Policy;
    expect(Object.keys(policy).sort()).toEqual(['Statement', 'Version']);
    expect(policy.Version).toBe('2012-10-17');
    expect(Array.isArray(policy.Statement) && policy.Statement.length > 0).toBe(true);
    const sids = policy.Statement.map((statement) => statement.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const statement of policy.Statement) {
      expect(
        Object.keys(statement).filter(
          (key) => !['Sid', 'Effect', 'Action', 'Resource', 'Condition'].includes(key),
        ),
      ).toEqual([]);
      expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(statement.Effect).toBe('Allow');
      expect(Array.isArray(statement.Action) && statement.Action.length > 0).toBe(true);
      // Named actions only: a wildcard would grant what the code never calls.
      for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      const resources = resourcesOf(statement);
      expect(resources.length).toBeGreaterThan(0);
      if (resources.includes('*')) {
        expect(resources).toEqual(['*']);
        const unscoped = statement.Action.filter(
          (action) =>
            !NO_RESOURCE_LEVEL.has(action) && !(SCOPED_BY_CONDITION.has(action) && statement.Condition),
        );
        expect({ sid: statement.Sid, grantedOnEveryResource: unscoped }).toEqual({
          sid: statement.Sid,
          grantedOnEveryResource: [],
        });
      } else {
        for (const resource of resources) expect(resource).toMatch(/^arn:aws:[a-z0-9-]+:/);
      }
      if (statement.Condition) {
        for (const [operator, keys] of Object.entries(statement.Condition)) {
          expect(operator).toMatch(/^[A-Za-z]+$/);
          expect(Object.keys(keys).length).toBeGreaterThan(0);
        }
      }
    }
  });

  test.each(actionNames.filter((action) => existsSync(join(iamDir, `${action}.json`))))(
    '%s.json grants exactly what the code calls, plus its listed non-SDK permissions',
    (action) => {
      const granted = actionsOf(readPolicy(action));
      const calls = reached.get(action)!.calls;
      const extra = NOT_SDK_CALLS[action] ?? {};
      expect({
        calledButNotGranted: [...calls].filter((call) => !granted.has(call)).sort(),
        grantedButNotCalled: [...granted].filter((a) => !calls.has(a) && !(a in extra)).sort(),
        listedAsNonSdkButMissing: Object.keys(extra)
          .filter((a) => !granted.has(a))
          .sort(),
        listedAsNonSdkButCalled: Object.keys(extra)
          .filter((a) => calls.has(a))
          .sort(),
      }).toEqual({
        calledButNotGranted: [],
        grantedButNotCalled: [],
        listedAsNonSdkButMissing: [],
        listedAsNonSdkButCalled: [],
      });
    },
  );

  test('README.md explains every placeholder and lists every policy', () => {
    const readme = readFileSync(join(iamDir, 'README.md'), 'utf8');
    const placeholders = new Set(
      policyFiles.flatMap((file) => readFileSync(join(iamDir, file), 'utf8').match(/<[a-z0-9-]+>/g) ?? []),
    );
    expect(placeholders.size).toBeGreaterThan(0);
    expect([...placeholders].filter((placeholder) => !readme.includes(`\`${placeholder}\``)).sort()).toEqual(
      [],
    );
    expect(policyFiles.filter((file) => !readme.includes(`(${file})`))).toEqual([]);
  });
});

describe('reachableCalls', () => {
  let base: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  };
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'slipway-iam-'));
    write(
      'packages/tools/src/index.ts',
      "export * from './read';\nexport { write as put } from './write';\nexport type { Shape } from './shape';\n",
    );
    write(
      'packages/tools/src/read.ts',
      "import { GetThingCommand as Get, paginateListThings } from '@aws-sdk/client-ecs';\n" +
        'export const read = (c: any) => [c.send(new Get({})), paginateListThings({ client: c }, {})];\n',
    );
    write(
      'packages/tools/src/write.ts',
      "import * as ssm from '@aws-sdk/client-ssm';\nexport const write = (c: any) => c.send(new ssm.PutThingCommand({}));\n",
    );
    write(
      'packages/tools/src/shape.ts',
      "import { DropCommand } from '@aws-sdk/client-ec2';\nexport type Shape = DropCommand;\nnew DropCommand({});\n",
    );
    write('actions/reader/main.ts', "import { read } from '@slipway/tools';\nread(undefined);\n");
    write('actions/writer/main.ts', "import { put } from '@slipway/tools';\nput(undefined);\n");
    write('actions/odd/main.ts', 'class MadeUpCommand {}\nnew MadeUpCommand();\n');
    write(
      'packages/tools/src/later.ts',
      "export async function later(c: any) {\n  const { StopThingCommand: Stop } = await import('@aws-sdk/client-ecs');\n" +
        '  return c.send(new Stop({}));\n}\n',
    );
    write(
      'actions/lazy/main.ts',
      "export async function run() {\n  const { later } = await import('../../packages/tools/src/later');\n" +
        "  await (await import('@slipway/tools')).read(undefined);\n  return later(undefined);\n}\n",
    );
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  test('finds commands and paginators, aliased or through a namespace, following imports by name', () => {
    expect([...reachableCalls(base, join(base, 'actions/reader/main.ts')).calls].sort()).toEqual([
      'ecs:GetThing',
      'ecs:ListThings',
    ]);
    expect([...reachableCalls(base, join(base, 'actions/writer/main.ts')).calls]).toEqual(['ssm:PutThing']);
  });

  test('follows modules loaded on demand, by the names taken from them', () => {
    expect([...reachableCalls(base, join(base, 'actions/lazy/main.ts')).calls].sort()).toEqual([
      'ecs:GetThing',
      'ecs:ListThings',
      'ecs:StopThing',
    ]);
  });

  test('reports a Command that is not an AWS SDK import', () => {
    expect(reachableCalls(base, join(base, 'actions/odd/main.ts')).unresolved).toEqual([
      expect.stringContaining('new MadeUpCommand( is not an @aws-sdk/client-* command'),
    ]);
  });
});
