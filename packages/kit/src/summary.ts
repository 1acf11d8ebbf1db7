/** Job-summary Markdown built as text, so the action, the CLI and tests all see the same report. */
export type Cell = string | number | undefined;

function escapeCell(cell: Cell): string {
  return String(cell ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r\n?|\n/g, '<br>');
}

export class Summary {
  private readonly parts: string[] = [];

  heading(text: string, level = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  paragraph(text: string): this {
    this.parts.push(text);
    return this;
  }

  table(header: string[], rows: Cell[][]): this {
    const line = (cells: Cell[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
    this.parts.push([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));
    return this;
  }

  list(items: string[]): this {
    if (items.length) this.parts.push(items.map((item) => `- ${item}`).join('\n'));
    return this;
  }

  code(text: string, language = ''): this {
    this.parts.push(`\`\`\`${language}\n${text.replace(/```/g, "'''")}\n\`\`\``);
    return this;
  }

  details(title: string, body: string): this {
    this.parts.push(`<details><summary>${title}</summary>\n\n${body}\n\n</details>`);
    return this;
  }

  toMarkdown(): string {
    return `${this.parts.join('\n\n')}\n`;
  }
}
