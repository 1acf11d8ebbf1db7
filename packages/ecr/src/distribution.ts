import { SlipwayError } from '@slipway/kit';
import { ECR } from './codes';
import { IDENTITY_TOKEN, RegistryCredentials } from './credentials';
import { ImageReader, ImageStore, MANIFEST_TYPES, Manifest } from './manifests';

/** Any OCI distribution registry (docker-registry, Docker Hub, GHCR, a mirror) through its HTTP API v2. */
export class DistributionStore implements ImageStore, ImageReader {
  private readonly base: string;
  /** Authorization headers by scope ("" for Basic, which covers every repository). */
  private readonly authorizations = new Map<string, string>();
  private credentials?: Promise<RegistryCredentials | undefined>;

  constructor(
    readonly host: string,
    private readonly options: DistributionOptions = {},
  ) {
    const local = /^(localhost|127\.|\[::1\])/.test(host);
    const api = host === 'docker.io' ? 'registry-1.docker.io' : host;
    this.base = `${local ? 'http' : 'https'}://${api}/v2`;
  }

  async manifests(repository: string, references: string[]): Promise<Map<string, Manifest>> {
    const found = new Map<string, Manifest>();
    await Promise.all(
      references.map(async (reference) => {
        const answer = await this.request(repository, `manifests/${reference}`, {
          headers: { Accept: MANIFEST_TYPES.join(', ') },
        });
        if (answer.status === 404) return;
        found.set(reference, {
          digest: answer.headers.get('docker-content-digest') ?? '',
          mediaType: answer.headers.get('content-type') ?? MANIFEST_TYPES[0]!,
          body: await answer.text(),
        });
      }),
    );
    return found;
  }

  async tag(repository: string, tag: string, manifest: Manifest): Promise<void> {
    await this.request(repository, `manifests/${tag}`, {
      method: 'PUT',
      headers: { 'Content-Type': manifest.mediaType },
      body: manifest.body,
    });
  }

  async tagsOf(repository: string, digest: string): Promise<string[]> {
    const tags: string[] = [];
    let page: string | undefined = 'tags/list?n=1000';
    while (page) {
      const answer = await this.request(repository, page, {});
      if (answer.status === 404) return [];
      tags.push(...(((await answer.json()) as { tags?: string[] | null }).tags ?? []));
      // The next page is in an RFC 5988 Link header: </v2/<name>/tags/list?n=…&last=…>; rel="next".
      const next = /<[^>]*\/tags\/(list\?[^>]*)>;\s*rel="?next"?/.exec(answer.headers.get('link') ?? '');
      page = next ? `tags/${next[1]}` : undefined;
    }
    const matching: string[] = [];
    // HEAD answers the digest without the body; a few at a time, so a long tag list stays polite.
    for (let i = 0; i < tags.length; i += 8) {
      await Promise.all(
        tags.slice(i, i + 8).map(async (tag) => {
          const answer = await this.request(repository, `manifests/${tag}`, {
            method: 'HEAD',
            headers: { Accept: MANIFEST_TYPES.join(', ') },
          });
          if (answer.headers.get('docker-content-digest') === digest) matching.push(tag);
        }),
      );
    }
    return matching.sort();
  }

  async blob(repository: string, digest: string): Promise<Buffer | undefined> {
    const answer = await this.request(repository, `blobs/${digest}`, {});
    return answer.status === 404 ? undefined : Buffer.from(await answer.arrayBuffer());
  }

  /**
   * One call, answering the registry's challenge: a 401 names Basic (send the stored login) or Bearer
   * (ask its token service for this repository's scope, with the login when there is one), and the
   * call is made again once. Tokens are kept per scope for the store's life.
   */
  private async request(repository: string, path: string, init: RequestInit): Promise<Response> {
    const fetcher = this.options.fetcher ?? fetch;
    const write = init.method === 'PUT';
    const scope = `repository:${repository}:${write ? 'pull,push' : 'pull'}`;
    const url = `${this.base}/${repository}/${path}`;
    const send = (authorization?: string) =>
      fetcher(url, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(authorization ? { Authorization: authorization } : {}),
        },
      });
    let answer = await send(this.authorizations.get(scope) ?? this.authorizations.get(''));
    if (answer.status === 401) {
      const authorization = await this.answerChallenge(answer.headers.get('www-authenticate') ?? '', scope);
      if (authorization) answer = await send(authorization);
    }
    if (answer.ok || answer.status === 404) return answer;
    const what = `${init.method ?? 'GET'} /v2/${repository}/${path}`;
    const body = init.method === 'HEAD' ? '' : (await answer.text()).slice(0, 300);
    if (answer.status === 401 || answer.status === 403) {
      const login = await this.login();
      throw new SlipwayError(
        ECR.REGISTRY_UNAUTHORIZED,
        `Registry ${this.host} refused ${what} (${answer.status}) ${login ? `for user "${login.username}"` : 'without credentials: no login for it was found'}. ${body}`.trim(),
        {
          remedy: login
            ? `Check that this user may ${write ? 'push to' : 'pull from'} ${repository}, and log in again if the token expired.`
            : `Log in before this step (docker/login-action, docker login or podman login ${this.host}); the login is read from $DOCKER_CONFIG/config.json, ~/.docker/config.json or podman's auth.json.`,
        },
      );
    }
    throw new SlipwayError(
      ECR.REGISTRY_ERROR,
      `Registry ${this.host} answered ${answer.status} to ${what}: ${body}`,
      {
        remedy: 'Check the "registry" input and that the registry is up.',
      },
    );
  }

  private login(): Promise<RegistryCredentials | undefined> {
    this.credentials ??= (this.options.credentials ?? (() => Promise.resolve(undefined)))();
    return this.credentials;
  }

  private async answerChallenge(header: string, scope: string): Promise<string | undefined> {
    const challenge = parseChallenge(header);
    const login = await this.login();
    if (challenge?.scheme === 'basic') {
      if (!login) return undefined;
      const basic = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
      this.authorizations.set('', basic);
      return basic;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    const realm = new URL(challenge.params.realm);
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', challenge.params.scope ?? scope);
    const fetcher = this.options.fetcher ?? fetch;
    // An identity token (what `docker login` keeps for OAuth registries) is exchanged by a POST
    // (the distribution spec's OAuth2 flow); a password goes as Basic on a GET.
    const answer =
      login?.username === IDENTITY_TOKEN
        ? await fetcher(`${realm.origin}${realm.pathname}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'refresh_token',
              refresh_token: login.password,
              service: challenge.params.service ?? '',
              scope: realm.searchParams.get('scope')!,
              client_id: 'slipway',
            }),
          })
        : await fetcher(realm, {
            headers: login
              ? {
                  Authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`,
                }
              : {},
          });
    if (!answer.ok) {
      throw new SlipwayError(
        ECR.REGISTRY_UNAUTHORIZED,
        `The token service of ${this.host} (${realm.origin}${realm.pathname}) answered ${answer.status} ${login ? `for user "${login.username}"` : 'without credentials'}: ${(await answer.text()).slice(0, 300)}`,
        {
          remedy: login
            ? 'Log in again before this step: the stored password or token was refused.'
            : `Log in to ${this.host} before this step (docker login / podman login).`,
        },
      );
    }
    const { token, access_token } = (await answer.json()) as { token?: string; access_token?: string };
    const bearer = token ?? access_token;
    if (!bearer) return undefined;
    this.options.onSecret?.(bearer);
    const authorization = `Bearer ${bearer}`;
    this.authorizations.set(scope, authorization);
    return authorization;
  }
}

export interface DistributionOptions {
  fetcher?: typeof fetch;
  /** The login for the registry, asked for on its first challenge (default: none, anonymous). */
  credentials?: () => Promise<RegistryCredentials | undefined>;
  /** Told each token the registry hands out, so it is masked before anything could print it. */
  onSecret?: (secret: string) => void;
}

/** `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"` (RFC 7235), the first challenge only. */
export function parseChallenge(
  header: string,
): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const pair of match[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    params[pair[1]!.toLowerCase()] = pair[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : pair[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}
