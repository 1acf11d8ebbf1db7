import { renderSummaryForTerminal } from '@slipway/cli';
import { Summary } from '@slipway/kit';

test('a job summary reads in a terminal: aligned tables, details collapsed, no Markdown or HTML left', () => {
  const tail = 'info: starting\nfatal: could not connect';
  const markdown = new Summary()
    .heading('ECS deploy — ↩️ failed')
    .table(
      ['Service', 'Tags', 'Verdict'],
      [
        ['api', 'sha-1a2b3c4\nmain', '↩️ rolled back'],
        ['worker-with-a-long-name', 'v2', '✅ ok'],
      ],
    )
    .paragraph('**Cause:** the app exited with code 1 in `api`.')
    .details('Log tail of task a1', `\`\`\`\n${tail}\n\`\`\``)
    .details('Log tail of task b2', `\`\`\`\n${tail}\n\`\`\``)
    .details('Service events', '- started 2 tasks')
    .toMarkdown();

  expect(renderSummaryForTerminal(markdown, 80)).toBe(
    [
      'ECS deploy — ↩️ failed',
      '══════════════════════',
      '',
      'Service                  Tags         Verdict',
      '───────────────────────  ───────────  ──────────────',
      'api                      sha-1a2b3c4  ↩️ rolled back',
      '                         main',
      'worker-with-a-long-name  v2           ✅ ok',
      '',
      'Cause: the app exited with code 1 in api.',
      '',
      '▸ Log tail of task a1 (the same for task b2)',
      '',
      '      info: starting',
      '      fatal: could not connect',
      '',
      '▸ Service events',
      '',
      '  • started 2 tasks',
      '',
    ].join('\n'),
  );
});

test('a table wider than the terminal wraps its widest column', () => {
  const image = `api=123456789012.dkr.ecr.us-east-1.amazonaws.com/deals/api@sha256:${'a'.repeat(64)}`;
  const rendered = renderSummaryForTerminal(
    new Summary().table(['Service', 'Images'], [['api', image]]).toMarkdown(),
    60,
  );
  const lines = rendered.trimEnd().split('\n');
  expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(60);
  expect(
    lines
      .slice(2)
      .map((line) => line.slice(9))
      .join(''),
  ).toBe(image);
});
