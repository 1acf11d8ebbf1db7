import { lexer, type Token, type Tokens } from 'marked';
import stringWidth from 'string-width';

/**
 * A job summary (GitHub-flavoured Markdown, as the actions write it for GitHub) rendered for a
 * terminal: headings underlined, tables aligned in columns (cells wrapped to fit the width), lists
 * with bullets, code indented, `<details>` shown as "▸ title" over its indented body, and a body
 * identical to the one before it named, not repeated. No Markdown markers or HTML are left.
 */
export function renderSummaryForTerminal(markdown: string, width = 100): string {
  const out: string[] = [];
  renderBlocks(lexer(markdown), width, out);
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function renderBlocks(tokens: Token[], width: number, out: string[]): void {
  let details: { title: string; tokens: Token[] } | undefined;
  let depth = 0;
  let previous: { title: string; body: string; at: number; same: string[] } | undefined;
  for (const token of tokens) {
    if (token.type === 'html' && token.block) {
      const open = /<details>\s*<summary>([\s\S]*?)<\/summary>/i.exec(token.text);
      if (open) {
        depth++;
        if (depth === 1) {
          details = { title: inlineHtml(open[1]!), tokens: [] };
          continue;
        }
      }
      if (/<\/details>/i.test(token.text)) {
        depth--;
        if (depth === 0 && details) {
          const body: string[] = [];
          renderBlocks(details.tokens, width - 2, body);
          const text = body.join('\n').replace(/^\n+|\s+$/g, '');
          if (previous && previous.body === text) {
            previous.same.push(distinctTail(previous.title, details.title));
            out[previous.at] = `▸ ${previous.title} (the same for ${previous.same.join(', ')})`;
          } else {
            out.push('');
            previous = { title: details.title, body: text, at: out.length, same: [] };
            out.push(`▸ ${details.title}`, '', ...indent(text, '  '), '');
          }
          details = undefined;
          continue;
        }
      }
    }
    if (details) {
      details.tokens.push(token);
      continue;
    }
    previous = token.type === 'space' ? previous : undefined;
    renderBlock(token, width, out);
  }
}

function renderBlock(token: Token, width: number, out: string[]): void {
  switch (token.type) {
    case 'space':
      return;
    case 'heading': {
      const text = inline((token as Tokens.Heading).tokens);
      out.push('', text, (token.depth <= 2 ? '═' : '─').repeat(stringWidth(text)), '');
      return;
    }
    case 'paragraph':
      out.push(inline((token as Tokens.Paragraph).tokens), '');
      return;
    case 'list':
      for (const item of (token as Tokens.List).items) {
        out.push(...indent(inline(item.tokens), '  ', '• '));
      }
      out.push('');
      return;
    case 'code':
      out.push(...indent((token as Tokens.Code).text, '    '), '');
      return;
    case 'table':
      out.push(...table(token as Tokens.Table, width), '');
      return;
    case 'hr':
      out.push('─'.repeat(Math.min(width, 40)), '');
      return;
    case 'html':
      out.push(inlineHtml(token.text), '');
      return;
    default:
      out.push('text' in token && typeof token.text === 'string' ? token.text : token.raw, '');
  }
}

/** "Log tail of task b" after "Log tail of task a" is "task b": the words they share but the last dropped. */
function distinctTail(first: string, next: string): string {
  const a = first.split(' ');
  const b = next.split(' ');
  let shared = 0;
  while (shared < b.length - 1 && a[shared] === b[shared]) shared++;
  return b.slice(Math.max(0, shared - 1)).join(' ');
}

/** Inline Markdown as plain text: emphasis and code markers dropped, links as "text (url)", <br> a new line. */
function inline(tokens: Token[] | undefined): string {
  return (tokens ?? [])
    .map((token): string => {
      switch (token.type) {
        case 'strong':
        case 'em':
        case 'del':
          return inline((token as Tokens.Strong).tokens);
        case 'codespan':
          return entities(token.text);
        case 'link': {
          const text = inline((token as Tokens.Link).tokens);
          return text === token.href ? text : `${text} (${token.href})`;
        }
        case 'br':
          return '\n';
        case 'html':
          return htmlText(token.text);
        case 'text':
          return 'tokens' in token && token.tokens ? inline(token.tokens) : entities(token.text);
        default:
          return 'text' in token && typeof token.text === 'string' ? token.text : token.raw;
      }
    })
    .join('');
}

/** HTML that a summary may carry, as text: <br> a new line, other tags dropped. */
function htmlText(html: string): string {
  return entities(html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/?[a-z][^>]*>/gi, ''));
}

const inlineHtml = (html: string) => htmlText(html).trim();

function entities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function indent(text: string, prefix: string, first = prefix): string[] {
  return text.split('\n').map((line, i) => (i === 0 ? first : prefix) + line);
}

const GAP = '  ';

/** Columns aligned by display width (emoji count two); the widest columns wrap when the table is too wide. */
function table(token: Tokens.Table, width: number): string[] {
  const rows = [token.header, ...token.rows].map((row) => row.map((cell) => inline(cell.tokens)));
  const widths = token.header.map((_, column) =>
    Math.max(...rows.flatMap((row) => (row[column] ?? '').split('\n').map((line) => stringWidth(line)))),
  );
  const budget = width - GAP.length * (widths.length - 1);
  while (widths.reduce((sum, w) => sum + w, 0) > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= 12) break;
    widths[widest]!--;
  }
  const lines: string[] = [];
  const emit = (cells: string[]) => {
    const wrapped = cells.map((cell, column) => wrap(cell, widths[column]!));
    const height = Math.max(...wrapped.map((cell) => cell.length));
    for (let i = 0; i < height; i++) {
      lines.push(
        wrapped
          .map((cell, column) => pad(cell[i] ?? '', widths[column]!, token.align[column]))
          .join(GAP)
          .trimEnd(),
      );
    }
  };
  emit(rows[0]!);
  lines.push(widths.map((w) => '─'.repeat(w)).join(GAP));
  for (const row of rows.slice(1)) emit(row);
  return lines;
}

function pad(text: string, width: number, align: Tokens.Table['align'][number] | undefined): string {
  const space = ' '.repeat(Math.max(0, width - stringWidth(text)));
  return align === 'right' ? space + text : text + space;
}

const graphemes = new Intl.Segmenter();

/** A cell's lines, each cut at `width` display columns (at a space when there is one near the end). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    let current = '';
    for (const { segment } of graphemes.segment(line)) {
      if (stringWidth(current + segment) > width) {
        const space = current.lastIndexOf(' ');
        if (space > width / 2) {
          lines.push(current.slice(0, space));
          current = current.slice(space + 1);
        } else {
          lines.push(current);
          current = '';
        }
      }
      current += segment;
    }
    lines.push(current);
  }
  return lines;
}
