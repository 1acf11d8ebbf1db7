import { Cell, Summary } from '@slipway/kit';

describe('Summary.table', () => {
  test('renders a header, a separator and one line per row', () => {
    const markdown = new Summary()
      .table(
        ['Service', 'Revision'],
        [
          ['api', 42],
          ['worker', 7],
        ],
      )
      .toMarkdown();
    expect(markdown).toBe('| Service | Revision |\n| --- | --- |\n| api | 42 |\n| worker | 7 |\n');
  });

  test.each<[string, Cell, string]>([
    ['a pipe', 'a|b', 'a\\|b'],
    ['several pipes', '|x||', '\\|x\\|\\|'],
    ['a newline', 'one\ntwo', 'one<br>two'],
    ['a CRLF newline', 'one\r\ntwo', 'one<br>two'],
    ['several newlines', 'a\nb\n\nc', 'a<br>b<br><br>c'],
    ['a pipe and a newline', 'x | y\nz', 'x \\| y<br>z'],
    ['undefined', undefined, ''],
    ['a number', 1.5, '1.5'],
    ['zero', 0, '0'],
  ])('escapes %s in a cell', (_label, cell, escaped) => {
    const markdown = new Summary().table(['h'], [[cell]]).toMarkdown();
    expect(markdown.split('\n')[2]).toBe(`| ${escaped} |`);
    // However awkward the cell, the table stays three lines: header, separator, row.
    expect(markdown.trimEnd().split('\n')).toHaveLength(3);
  });

  // CommonMark counts a lone CR as a line ending, and GitHub's table scanner stops a cell at \r, so a
  // cell holding one is split across two table rows. escapeCell (summary.ts:7) only replaces \r?\n.
  test('a lone carriage return in a cell becomes <br> and keeps the row whole', () => {
    const markdown = new Summary().table(['h'], [['50%\rdone']]).toMarkdown();
    expect(markdown).not.toMatch(/\r/);
    expect(markdown.split('\n')[2]).toBe('| 50%<br>done |');
  });

  test('header cells are escaped too', () => {
    const markdown = new Summary().table(['a|b', 'c\nd'], []).toMarkdown();
    expect(markdown).toBe('| a\\|b | c<br>d |\n| --- | --- |\n');
  });
});

describe('Summary blocks', () => {
  test.each([
    ['default level 2', (s: Summary) => s.heading('Deploy'), '## Deploy\n'],
    ['level 3', (s: Summary) => s.heading('Cause', 3), '### Cause\n'],
    ['a paragraph', (s: Summary) => s.paragraph('All **good**.'), 'All **good**.\n'],
    ['a list', (s: Summary) => s.list(['one', 'two']), '- one\n- two\n'],
    ['an empty list (nothing)', (s: Summary) => s.list([]), '\n'],
    ['a code block', (s: Summary) => s.code('x = 1'), '```\nx = 1\n```\n'],
    ['a code block with a language', (s: Summary) => s.code('{}', 'json'), '```json\n{}\n```\n'],
    [
      'a code block holding a fence (neutralised)',
      (s: Summary) => s.code('a\n```\nb'),
      "```\na\n'''\nb\n```\n",
    ],
    [
      'details',
      (s: Summary) => s.details('Log tail', 'line 1\nline 2'),
      '<details><summary>Log tail</summary>\n\nline 1\nline 2\n\n</details>\n',
    ],
  ])('%s', (_label, build, expected) => {
    expect(build(new Summary()).toMarkdown()).toBe(expected);
  });

  test('blocks are separated by a blank line, in order, and the builder chains', () => {
    const summary = new Summary();
    const returned = summary.heading('Title').paragraph('Text').list([]).code('c', 'sh');
    expect(returned).toBe(summary);
    expect(summary.toMarkdown()).toBe('## Title\n\nText\n\n```sh\nc\n```\n');
  });

  test('a fresh summary renders as a single newline', () => {
    expect(new Summary().toMarkdown()).toBe('\n');
  });
});
