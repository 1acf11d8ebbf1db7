// The entry of dist/slipway/undici/: what the bundled packages take from undici, and nothing else of it.
// @actions/github sends octokit's requests through undici's fetch; both @actions/http-client versions
// make a ProxyAgent when the runner has a proxy.
// As undici's own entry does: dispatchers get request, stream, pipeline, connect and upgrade (a
// ProxyAgent opens its tunnel with connect).
Object.assign(require('undici/lib/dispatcher/dispatcher').prototype, require('undici/lib/api'));

module.exports = {
  fetch: require('undici/lib/web/fetch').fetch,
  ProxyAgent: require('undici/lib/dispatcher/proxy-agent'),
};
