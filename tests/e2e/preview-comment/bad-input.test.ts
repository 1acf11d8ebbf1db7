import { BadInput, badInputCorpus, hostile } from '../../helpers/bad-input';

const token = 'ghs_t0ken5ecret9876';
const base = {
  'github-token': token,
  'pull-request': '7',
  service: 'web',
  status: 'ready',
  url: 'https://pr-7.example.com',
  image: 'nginx:1.25',
};

const cases: BadInput[] = [
  { title: 'github-token empty', inputs: { ...base, 'github-token': '' }, names: 'github-token' },
  {
    title: 'github-token with a space, never shown',
    inputs: { ...base, 'github-token': `${token} x` },
    names: 'github-token',
    secret: token,
  },
  {
    title: 'github-token with a line break, never shown',
    inputs: { ...base, 'github-token': `${token}\nx` },
    names: 'github-token',
    secret: token,
  },
  {
    title: 'github-token with a control character, never shown',
    inputs: { ...base, 'github-token': `${token}\u0007` },
    names: 'github-token',
    secret: token,
  },
  { title: 'github-token an option', inputs: { ...base, 'github-token': '--x' }, names: 'github-token' },
  {
    title: 'details with a right-to-left override',
    inputs: { ...base, details: 'ok \u202edeliaf' },
    names: 'details',
  },
  { title: 'pull-request zero', inputs: { ...base, 'pull-request': '0' }, names: 'pull-request' },
  { title: 'pull-request negative', inputs: { ...base, 'pull-request': '-1' }, names: 'pull-request' },
  { title: 'pull-request a word', inputs: { ...base, 'pull-request': 'abc' }, names: 'pull-request' },
  { title: 'pull-request a hash alone', inputs: { ...base, 'pull-request': '#' }, names: 'pull-request' },
  { title: 'pull-request a fraction', inputs: { ...base, 'pull-request': '1.5' }, names: 'pull-request' },
  {
    title: 'pull-request huge',
    inputs: { ...base, 'pull-request': '99999999999999999999' },
    names: 'pull-request',
  },
  {
    title: 'pull-request with a command',
    inputs: { ...base, 'pull-request': '7; rm -rf /' },
    names: 'pull-request',
  },
  { title: 'pull-request missing on a push', inputs: { ...base, 'pull-request': '' }, names: 'pull-request' },
  { title: 'service empty', inputs: { ...base, service: '' }, names: 'service' },
  { title: 'service with a space', inputs: { ...base, service: 'web app' }, names: 'service' },
  { title: 'service an option', inputs: { ...base, service: '--all' }, names: 'service' },
  { title: 'service of 256 characters', inputs: { ...base, service: 's'.repeat(256) }, names: 'service' },
  { title: 'service markdown', inputs: { ...base, service: '<!-- x -->' }, names: 'service' },
  ...hostile('service', 'web', base),
  { title: 'status done', inputs: { ...base, status: 'done' }, names: 'status' },
  { title: 'status uppercase', inputs: { ...base, status: 'READY' }, names: 'status' },
  { title: 'status empty', inputs: { ...base, status: '' }, names: 'status' },
  { title: 'url ftp', inputs: { ...base, url: 'ftp://x.example.com' }, names: 'url' },
  { title: 'url not a URL', inputs: { ...base, url: 'not a url' }, names: 'url' },
  { title: 'url javascript:', inputs: { ...base, url: 'javascript:alert(1)' }, names: 'url' },
  { title: 'url without a host', inputs: { ...base, url: 'https://' }, names: 'url' },
  {
    title: 'url with a control character',
    inputs: { ...base, url: 'https://a.example.com/\u0007' },
    names: 'url',
  },
  { title: 'url with a line break', inputs: { ...base, url: 'https://a.example.com/\nx' }, names: 'url' },
  { title: 'image with spaces', inputs: { ...base, image: 'bad image' }, names: 'image' },
  { title: 'image uppercase', inputs: { ...base, image: 'NGINX:Latest' }, names: 'image' },
  { title: 'image short digest', inputs: { ...base, image: 'nginx@sha256:abc' }, names: 'image' },
  { title: 'image a URL', inputs: { ...base, image: 'https://r.example.com/app:1' }, names: 'image' },
  { title: 'details with a line break', inputs: { ...base, details: 'one\ntwo' }, names: 'details' },
  { title: 'details with a control character', inputs: { ...base, details: 'bell\u0007' }, names: 'details' },
  { title: 'pull-request with a plus', inputs: { ...base, 'pull-request': '+7' }, names: 'pull-request' },
  { title: 'service with an accent', inputs: { ...base, service: 'wéb' }, names: 'service' },
  {
    title: 'image tag of 129 characters',
    inputs: { ...base, image: `nginx:${'t'.repeat(129)}` },
    names: 'image',
  },
  { title: 'url data:', inputs: { ...base, url: 'data:text/html,hi' }, names: 'url' },
  { title: 'details of 10 kB', inputs: { ...base, details: 'd'.repeat(10_000) }, names: 'details' },
];

badInputCorpus('preview-comment', cases);
