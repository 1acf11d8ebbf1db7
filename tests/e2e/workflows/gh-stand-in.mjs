#!/usr/bin/env node
// The GitHub CLI as the preview sweep calls it — `gh pr list --repo R --state open --limit N --json number
// --jq '.[].number'` — against GITHUB_API_URL with GH_TOKEN. Anything else fails.
const args = process.argv.slice(2);
const fail = (message) => {
  process.stderr.write(`gh (stand-in): ${message}\n`);
  process.exit(1);
};
const flags = {};
for (let i = 2; i < args.length; i += 2) flags[args[i]] = args[i + 1];
if (args[0] !== 'pr' || args[1] !== 'list') fail(`"${args.join(' ')}" is not implemented`);
const allowed = ['--repo', '--state', '--limit', '--json', '--jq'];
const unknown = Object.keys(flags).filter((flag) => !allowed.includes(flag));
if (unknown.length) fail(`flags ${unknown.join(', ')} are not implemented`);
if (flags['--json'] !== 'number' || flags['--jq'] !== '.[].number')
  fail('only --json number --jq .[].number is implemented');
if (!process.env.GH_TOKEN)
  fail('To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.');
const response = await fetch(
  `${process.env.GITHUB_API_URL}/repos/${flags['--repo']}/pulls?state=${flags['--state'] ?? 'open'}&per_page=100`,
  { headers: { authorization: `token ${process.env.GH_TOKEN}` } },
);
if (!response.ok) fail(`HTTP ${response.status}: ${await response.text()}`);
const pulls = await response.json();
for (const pull of pulls.slice(0, Number(flags['--limit'] ?? 30))) console.log(pull.number);
