/** Names of headers and query parameters whose values are credentials (Authorization, api_key, X-Amz-Signature…). */
export const CREDENTIAL_NAME = /auth|cookie|token|secret|pass|key|session|credential|signature|^sig$/i;

/**
 * The credentials a URL carries: its password and the values of credential-like query parameters, each
 * as the URL prints it (percent-encoded) and as it is decoded, since either may be shown.
 */
export function urlCredentials(url: URL): string[] {
  const found = [url.password];
  for (const pair of url.search.slice(1).split('&')) {
    const equals = pair.indexOf('=');
    if (equals < 0) continue;
    const [[name, value] = ['', '']] = new URLSearchParams(pair);
    if (CREDENTIAL_NAME.test(name)) found.push(pair.slice(equals + 1), value);
  }
  return found.filter(Boolean);
}

/** A URL-like text with its credentials replaced by ***, for messages about a URL that did not parse. */
export function maskUrlText(text: string): string {
  return text
    .replace(/\/\/[^/@]*@/, '//***@')
    .replace(/([?&]([^=&#]*)=)([^&#]*)/g, (all, head: string, name: string) =>
      CREDENTIAL_NAME.test(safeDecode(name)) ? `${head}***` : all,
    );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
