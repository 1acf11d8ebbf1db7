import { Summary } from '@slipway/kit';
import { Published } from './publish';

const results = {
  built: '🔨 built and pushed',
  retagged: '🏷️ retagged (no layer moved)',
  present: '✅ already present',
};

export function publishOutputs(published: Published): Record<string, string> {
  return {
    'image-uri': published.imageUri,
    digest: published.digest,
    'repository-uri': published.repositoryUri,
    tags: JSON.stringify(published.tags),
    result: published.result,
  };
}

export function publishSummary(published: Published): string {
  const size =
    published.sizeBytes === undefined ? '—' : `${(published.sizeBytes / 1024 / 1024).toFixed(1)} MiB`;
  const summary = new Summary()
    .heading(`Image — ${results[published.result]}`)
    .table(
      ['Repository', 'Tags', 'Digest', 'Size', 'Result', 'Duration'],
      [
        [
          published.repositoryUri,
          published.tags.join('\n'),
          published.digest,
          size,
          results[published.result],
          `${(published.durationMs / 1000).toFixed(1)} s`,
        ],
      ],
    );
  if (published.droppedTags.length) {
    summary.paragraph(
      `Not tagged (the repository's tags are IMMUTABLE): ${published.droppedTags.map((t) => `\`${t.tag}\``).join(', ')}.`,
    );
  }
  summary.list(published.warnings.map((w) => `⚠️ ${w}`));
  return summary.toMarkdown();
}
