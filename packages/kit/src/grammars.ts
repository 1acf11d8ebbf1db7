import { createPrivateKey } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { partition } from '@aws-sdk/core/client';
import { parse as parseArnText, validate as looksLikeArn } from '@aws-sdk/util-arn-parser';
import picomatch from 'picomatch';

/**
 * The grammars of the values actions take, each written once. A grammar turns text into a value or
 * throws an Error whose message says what is wrong (the input's name and the value are added by
 * parseInputs); `expected` says what is valid.
 */
export interface Grammar<T = string> {
  readonly expected: string;
  readonly parse: (text: string) => T;
}

function grammar<T = string>(expected: string, parse: (text: string) => T): Grammar<T> {
  return { expected, parse };
}

function check(ok: boolean, reason: string): void {
  if (!ok) throw new Error(reason);
}

/** A regular expression as a grammar; `reason` is what a mismatch is told. */
export function pattern(expected: string, regex: RegExp, reason = 'is not valid'): Grammar {
  return grammar(expected, (text) => {
    check(regex.test(text), reason);
    return text;
  });
}

// Any C0 or C1 control character but tab and line ends, and the bidirectional controls that make text
// read otherwise than it runs ("Trojan Source"); a single-line input refuses line ends too.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const LINE_BREAK_OR_CONTROL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export function controlCharacterIn(text: string, singleLine: boolean): string | undefined {
  const match = (singleLine ? LINE_BREAK_OR_CONTROL : CONTROL).exec(text);
  if (!match) return undefined;
  const char = match[0];
  return char === '\n' || char === '\r' ? 'a line break' : `the control character U+${hex(char)}`;
}

function hex(char: string): string {
  return char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

// ─── Containers ──────────────────────────────────────────────────────────────

// The OCI distribution reference grammar (distribution/reference): [domain/]path[:tag][@digest].
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';
const IMAGE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const REPOSITORY_PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

export interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

export const imageRef = grammar<string>(
  'an image reference: [registry/]name[:tag][@sha256:<64 hex>], lowercase name, tag of at most 128 of A-Z a-z 0-9 _ . - not starting with . or -',
  (text) => {
    parseImageRef(text);
    return text;
  },
);

export function parseImageRef(text: string): ImageRef {
  check(!/^[a-z][a-z0-9+.-]*:\/\//i.test(text), 'is a URL, not an image reference (drop the scheme)');
  check(!/\s/.test(text), 'holds whitespace');
  const at = text.indexOf('@');
  if (at >= 0)
    check(/^sha256:[a-f0-9]{64}$/.test(text.slice(at + 1)), 'has a digest that is not sha256:<64 hex>');
  const match = IMAGE.exec(text);
  check(Boolean(match), 'is not an image reference');
  const name = match![1]!;
  check(name.length <= 255, 'has a name longer than 255 characters');
  return { name, tag: match![2], digest: match![3] };
}

export const imageTag = pattern(
  'a tag: at most 128 of A-Z a-z 0-9 _ . -, not starting with . or -',
  new RegExp(`^${TAG}$`),
  'is not an image tag',
);

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The account and region an ECR registry host names, or undefined for any other registry. */
export function ecrRegistryHost(host: string): { registryId: string; region: string } | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { registryId: match[1]!, region: match[2]! } : undefined;
}

export const ecrRepositoryName = grammar(
  'a repository name: 2–256 lowercase letters, digits and . _ - /, e.g. team/deals-api (not a URI)',
  (text) => {
    check(!text.includes('amazonaws.com') && !text.includes(':'), 'is a URI, not a repository name');
    check(text.length >= 2 && text.length <= 256 && REPOSITORY_PATH.test(text), 'is not a repository name');
    return text;
  },
);

// ─── AWS ─────────────────────────────────────────────────────────────────────

/** A region the SDK's partition table knows (a made-up one would send requests to a host that is not there). */
export const region = grammar('an AWS region, e.g. us-east-1 or eu-west-3', (text) => {
  check(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(text), 'is not an AWS region');
  check((partition(text) as { description?: string }).description !== undefined, 'is not a region AWS has');
  return text;
});

export const accountId = pattern('an AWS account id: 12 digits', /^\d{12}$/, 'is not an AWS account id');

const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  resource: string;
}

export interface ArnRule {
  /** The service in the ARN, e.g. "ecs". */
  service: string;
  /** Resource types accepted, e.g. ["cluster"]: the resource starts with "<type>/" (or "<type>:"). */
  types: readonly string[];
  /** Global services' ARNs have no region. */
  global?: boolean;
  example: string;
}

/** An ARN of one service and resource type, with a known partition, a region and a 12-digit account. */
export function arn(rule: ArnRule): Grammar {
  return grammar(`an ARN such as ${rule.example}`, (text) => {
    checkArn(text, rule);
    return text;
  });
}

export function checkArn(text: string, rule: ArnRule): Arn {
  check(looksLikeArn(text), 'is not an ARN');
  const parts = parseArnText(text);
  check(PARTITIONS.includes(parts.partition), `has an unknown partition "${parts.partition}"`);
  check(parts.service === rule.service, `is an ARN of ${parts.service || 'no service'}, not ${rule.service}`);
  if (rule.global) check(parts.region === '', 'has a region, but this service is global');
  else {
    try {
      region.parse(parts.region);
    } catch (error) {
      throw new Error(`has "${parts.region}" where the region belongs`, { cause: error });
    }
    const owner = (partition(parts.region) as { name?: string }).name;
    check(
      owner === parts.partition,
      `is in partition ${parts.partition}, but ${parts.region} is in ${owner}`,
    );
  }
  check(/^\d{12}$/.test(parts.accountId), 'has no 12-digit account id');
  const resource = parts.resource;
  check(
    rule.types.some((type) => {
      if (!resource.startsWith(`${type}/`) && !resource.startsWith(`${type}:`)) return false;
      return /^[\w+=,.@:/-]+$/.test(resource.slice(type.length + 1)) && resource.length > type.length + 1;
    }),
    `is not an ARN of a ${rule.service} ${rule.types.join(' or ')}`,
  );
  return { ...parts, resource };
}

export function arnRegion(text: string): string | undefined {
  return looksLikeArn(text) ? parseArnText(text).region || undefined : undefined;
}

// AWS allows a leading - or _; refusing it keeps a name from ever reading as an option.
const ECS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

function nameOrArn(what: string, rule: ArnRule): Grammar {
  return grammar(
    `a ${what} name (1–255 letters, digits, - and _, starting with a letter or digit) or its ARN (${rule.example})`,
    (text) => {
      if (text.startsWith('arn:')) checkArn(text, rule);
      else check(ECS_NAME.test(text), `is not a ${what} name`);
      return text;
    },
  );
}

export const ecsCluster = nameOrArn('cluster', {
  service: 'ecs',
  types: ['cluster'],
  example: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod',
});
export const ecsService = nameOrArn('service', {
  service: 'ecs',
  types: ['service'],
  example: 'arn:aws:ecs:us-east-1:123456789012:service/prod/web',
});
/** Task-definition families, container names and CodeDeploy names share ECS's name rule. */
export const ecsName = pattern(
  '1–255 letters, digits, - and _, starting with a letter or digit',
  ECS_NAME,
  'is not a valid name',
);

export const secretArn = arn({
  service: 'secretsmanager',
  types: ['secret'],
  example: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
});
export const parameterArn = arn({
  service: 'ssm',
  types: ['parameter'],
  example: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/db',
});
export const targetGroupArn = arn({
  service: 'elasticloadbalancing',
  types: ['targetgroup'],
  example: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef',
});
export const listenerArn = arn({
  service: 'elasticloadbalancing',
  types: ['listener'],
  example:
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef',
});

export const kmsKey = grammar('a KMS key id (a UUID), alias/<name>, or a key or alias ARN', (text) => {
  if (text.startsWith('arn:')) {
    checkArn(text, {
      service: 'kms',
      types: ['key', 'alias'],
      example: 'arn:aws:kms:us-east-1:123456789012:key/<uuid>',
    });
  } else {
    check(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text) ||
        /^(mrk-[0-9a-f]{32})$/.test(text) ||
        /^alias\/[A-Za-z0-9/_-]{1,250}$/.test(text),
      'is not a KMS key id or alias',
    );
  }
  return text;
});

export function ec2Id(prefix: 'i' | 'subnet' | 'sg' | 'vpc'): Grammar {
  return pattern(
    `an EC2 id: ${prefix}- and 8 or 17 lowercase hex digits`,
    new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`),
    `is not an EC2 ${prefix}- id`,
  );
}

/** A Parameter Store name or path (a trailing / names every parameter under it), or its ARN. */
export const ssmParameter = grammar(
  'a Parameter Store name or path (letters, digits and _ . - /, at most 2048, not starting with aws or ssm), or its ARN',
  (text) => {
    if (text.startsWith('arn:')) return parameterArn.parse(text);
    check(text.length <= 2048 && /^[A-Za-z0-9_.\-/]+$/.test(text), 'is not a Parameter Store name');
    check(
      !text.startsWith('-') && !text.split('/').includes('..'),
      'is not a Parameter Store name (no leading -, no ..)',
    );
    check(!/^\/?(aws|ssm)/i.test(text), 'starts with aws or ssm, which AWS reserves');
    check(!text.includes('//'), 'has an empty path segment');
    check(text.split('/').filter(Boolean).length <= 15, 'is nested deeper than 15 levels');
    return text;
  },
);

export const secretId = grammar(
  'a Secrets Manager secret name (1–512 of letters, digits and / _ + = . @ -) or its ARN',
  (text) => {
    if (text.startsWith('arn:')) return secretArn.parse(text);
    check(/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(text), 'is not a Secrets Manager secret name');
    // AWS allows these; refusing them keeps an id from reading as an option or a path out of a prefix.
    check(
      !text.startsWith('-') && !text.split('/').includes('..'),
      'is not a secret name (no leading -, no ..)',
    );
    return text;
  },
);

// ─── Network ─────────────────────────────────────────────────────────────────

const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export const hostname = grammar('a host name or IP address, e.g. db.internal or 10.0.1.5', (text) => {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare)) return bare;
  check(
    text.length <= 253 && text.split('.').every((label) => HOST_LABEL.test(label)),
    'is not a host name or IP address',
  );
  check(!/^[\d.]+$/.test(text), 'is not an IPv4 address');
  return text;
});

export const port = grammar('a port from 1 to 65535', (text) => {
  check(/^\d{1,5}$/.test(text), 'is not a port number');
  const number = Number(text);
  check(number >= 1 && number <= 65535, 'is not a port from 1 to 65535');
  return text;
});

export interface Endpoint {
  host: string;
  port?: number;
}

/** host[:port], with an IPv6 address in brackets when a port follows. */
export const endpoint = grammar<Endpoint>(
  'host[:port], e.g. 10.0.1.5 or bastion.internal:2222 (port 1–65535)',
  (text) => {
    const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
    const [host, portText] = bracketed
      ? [bracketed[1]!, bracketed[2]]
      : isIP(text) === 6
        ? [text, undefined]
        : text.split(/:(?=[^:]*$)/).length === 2 && text.includes(':')
          ? [text.slice(0, text.lastIndexOf(':')), text.slice(text.lastIndexOf(':') + 1)]
          : [text, undefined];
    hostname.parse(host);
    return { host, port: portText === undefined ? undefined : Number(port.parse(portText)) };
  },
);

/** An absolute URL (WHATWG) with one of the given schemes, and a host. */
export function url(schemes: readonly string[]): Grammar<URL> {
  return grammar(`an absolute ${schemes.join(' or ')} URL`, (text) => {
    const parsed = URL.canParse(text) ? new URL(text) : undefined;
    check(Boolean(parsed), 'is not a URL');
    check(
      schemes.includes(parsed!.protocol.slice(0, -1)),
      `has the scheme "${parsed!.protocol.slice(0, -1)}", not ${schemes.join(' or ')}`,
    );
    check(parsed!.hostname !== '', 'has no host');
    check(parsed!.port !== '0', 'has port 0');
    return parsed!;
  });
}

// ─── Databases, git, files ───────────────────────────────────────────────────

// Postgres truncates names beyond 63 bytes, which would silently point at another object.
export const sqlIdentifier = pattern(
  'a name of 1–63 letters, digits, "_" or "-", starting with a letter or "_"',
  /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/,
  'is not a valid SQL name',
);

/** A table, optionally schema-qualified: each part a SQL name. */
export const sqlTableName = grammar(
  'a table name, "table" or "schema.table", each part 1–63 letters, digits, "_" or "-", starting with a letter or "_"',
  (text) => {
    const parts = text.split('.');
    check(parts.length <= 2, 'has more than one "."');
    for (const part of parts) sqlIdentifier.parse(part);
    return text;
  },
);

/**
 * A commit id, or a ref name by `git check-ref-format`'s rules, with ~N / ^N suffixes. Never starts
 * with "-", so it cannot be read as an option even where no `--` guards it.
 */
export const gitRevision = grammar(
  'a commit id (7–64 hex digits) or a branch/tag name (letters, digits and _ . / + -), optionally followed by ~N or ^N',
  (text) => {
    check(!text.startsWith('-'), 'starts with "-", which git would read as an option');
    const base = text.replace(/(?:[~^]\d*)+$/, '');
    check(base.length > 0 && base.length <= 255, 'is not a revision');
    if (/^[0-9a-f]{7,64}$/i.test(base) || base === 'HEAD') return text;
    // git allows more in a ref name; shell and glob characters are refused all the same.
    check(
      /^[\w./+-]+$/.test(base) &&
        !base.includes('..') &&
        !base.includes('@{') &&
        base !== '@' &&
        !base.startsWith('/') &&
        !base.endsWith('/') &&
        !base.endsWith('.') &&
        !base.includes('//') &&
        !base.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')),
      'is not a valid branch, tag or commit id',
    );
    return text;
  },
);

/** A glob relative to the repository root, as picomatch reads it, that cannot reach outside it. */
export const glob = grammar(
  'a glob relative to the repository root, e.g. services/api/** or !**/*.md',
  (text) => {
    const body = text.startsWith('!') ? text.slice(1) : text;
    check(body.length > 0, 'is an empty glob');
    check(!body.startsWith('/'), 'is absolute; globs are relative to the repository root');
    check(!body.split('/').includes('..'), 'reaches outside the repository with ..');
    try {
      picomatch.makeRe(body, { strictBrackets: true });
    } catch (error) {
      throw new Error(`is not a valid glob (${(error as Error).message})`, { cause: error });
    }
    return text;
  },
);

/** A path that resolves inside `workspace` (symbolic links followed where they exist). */
export function pathInside(workspace: string): Grammar {
  return grammar(`a path inside the workspace (${workspace}), relative to it`, (text) => {
    const path = resolve(workspace, text);
    const inside = (root: string, target: string) => {
      const rel = relative(root, target);
      return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
    };
    check(inside(workspace, path), 'is outside the workspace');
    let real: string | undefined;
    try {
      real = realpathSync(path);
    } catch {
      real = undefined;
    }
    if (real !== undefined) {
      let root = workspace;
      try {
        root = realpathSync(workspace);
      } catch {
        // A workspace that does not exist holds nothing: the lexical check above is all there is.
      }
      check(inside(root, real), 'leads outside the workspace through a symbolic link');
    }
    return path;
  });
}

/** A Key=Value tag filter. */
export const tagFilter = grammar('Key=Value, e.g. Role=bastion', (text) => {
  const at = text.indexOf('=');
  check(at > 0 && at < text.length - 1, 'is not Key=Value');
  check(text.slice(0, at).length <= 128 && text.slice(at + 1).length <= 256, 'is too long for a tag');
  return text;
});

/**
 * A private key ssh can read: OpenSSH's own form (its armour, base64 and magic checked here; ssh2 reads the
 * rest when the tunnel opens) or an unencrypted PEM key, which Node's crypto parses whole.
 */
export const privateKey = grammar(
  'an unencrypted private key in OpenSSH or PEM form (-----BEGIN ... PRIVATE KEY-----)',
  (text) => {
    const armour =
      /^-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----\r?\n([\s\S]+?)\r?\n-----END \1PRIVATE KEY-----$/.exec(text);
    check(Boolean(armour), 'is not a private key (no BEGIN/END PRIVATE KEY lines)');
    if (armour![1] === 'OPENSSH ') {
      const body = armour![2]!.replace(/\s+/g, '');
      check(/^[A-Za-z0-9+/]+={0,2}$/.test(body), 'is not a private key (its body is not base64)');
      check(
        Buffer.from(body, 'base64').subarray(0, 15).toString('latin1') === 'openssh-key-v1\0',
        'is not an OpenSSH private key',
      );
      return text;
    }
    try {
      createPrivateKey(text);
    } catch (error) {
      throw new Error('is not a private key Node can read (an encrypted key needs its passphrase removed)', {
        cause: error,
      });
    }
    return text;
  },
);
