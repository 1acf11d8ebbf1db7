import { AwsError } from '../http/aws-error';

/** One statement of a role's identity policy: Allow or Deny, actions and resources with * and ? wildcards. */
export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

const glob = (pattern: string, caseless: boolean) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseless ? 'i' : '',
  );

/**
 * IAM's policy simulator over the roles' identity policies, as SimulatePrincipalPolicy evaluates them
 * without context: an explicit Deny wins, then an Allow, else the implicit deny. Actions match without
 * regard to case, resources with it. Roles and their policies are set through the sandbox's control API.
 */
export class PolicySimulator {
  private readonly roles = new Map<string, PolicyStatement[]>();

  setRolePolicy(roleArn: string, statements: PolicyStatement[]): void {
    this.roles.set(roleArn, statements);
  }

  /** The query-protocol operations this serves: parameters in, the Result element's XML out. */
  readonly operations: Record<string, (params: URLSearchParams) => string> = {
    SimulatePrincipalPolicy: (params) => {
      const source = params.get('PolicySourceArn') ?? '';
      const statements = this.roles.get(source);
      if (!statements) {
        const name = source.split('/').pop();
        throw new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
      }
      const actions = members(params, 'ActionNames');
      if (!actions.length) throw new AwsError('InvalidInput', 'ActionNames must not be empty.');
      const resources = members(params, 'ResourceArns');
      const results = actions.flatMap((action) =>
        (resources.length ? resources : ['*']).map((resource) => {
          const matching = (effect: PolicyStatement['effect']) =>
            statements.some(
              (s) =>
                s.effect === effect &&
                s.actions.some((a) => glob(a, true).test(action)) &&
                s.resources.some((r) => glob(r, false).test(resource)),
            );
          const decision: Decision = matching('Deny')
            ? 'explicitDeny'
            : matching('Allow')
              ? 'allowed'
              : 'implicitDeny';
          return [
            '<member>',
            `<EvalActionName>${xml(action)}</EvalActionName>`,
            `<EvalResourceName>${xml(resource)}</EvalResourceName>`,
            `<EvalDecision>${decision}</EvalDecision>`,
            '<MatchedStatements/><MissingContextValues/>',
            '</member>',
          ].join('');
        }),
      );
      return `<IsTruncated>false</IsTruncated><EvaluationResults>${results.join('')}</EvaluationResults>`;
    },
  };
}

/** A list parameter of the query protocol: Name.member.1, Name.member.2, … */
function members(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++) values.push(params.get(`${name}.member.${i}`)!);
  return values;
}

export function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
