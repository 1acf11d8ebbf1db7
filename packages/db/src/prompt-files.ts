import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ConfigurationError } from '@slipway/kit';
import { DB } from './codes';
import { reason } from './reason';

/** One prompt: column name → value (strings, numbers, booleans, null, or objects for JSON columns). */
export type PromptRow = Record<string, unknown>;

/** The column a Markdown file's body fills. */
export const MARKDOWN_BODY_COLUMN = 'content';

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/**
 * Reads a directory of prompt files, one prompt each: `.yaml`/`.yml` is a mapping of columns; `.md` has
 * the other columns as YAML front matter and its body as `content`. With a single key column that a
 * file leaves out, the file name (without extension) is the key.
 */
export async function readPromptFiles(dir: string, keyColumns: string[]): Promise<PromptRow[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => ['.yaml', '.yml', '.md'].includes(extname(name))).sort();
  } catch (error) {
    throw invalid(dir, `cannot be read: ${reason(error)}`);
  }
  if (!names.length) throw invalid(dir, 'has no .yaml, .yml or .md files');

  // Loaded here, not at start: only a sync from files parses YAML.
  const { parse } = await import('yaml');
  const byKey = new Map<string, string>();
  const rows: PromptRow[] = [];
  for (const name of names) {
    const row = parsePromptFile(name, await readFile(join(dir, name), 'utf8'), parse);
    const [onlyKey] = keyColumns;
    if (keyColumns.length === 1 && onlyKey && row[onlyKey] === undefined) {
      row[onlyKey] = name.slice(0, -extname(name).length);
    }
    const missing = keyColumns.filter((column) => row[column] === undefined || row[column] === null);
    if (missing.length)
      throw invalid(name, `has no key column ${missing.join(', ')} (the columns "key-columns" names)`);
    const key = JSON.stringify(keyColumns.map((column) => row[column]));
    const earlier = byKey.get(key);
    if (earlier) throw invalid(name, `has the same key as ${earlier}`);
    byKey.set(key, name);
    rows.push(row);
  }
  return rows;
}

type YamlParse = (text: string) => unknown;

function parsePromptFile(name: string, text: string, parse: YamlParse): PromptRow {
  if (extname(name) !== '.md') return mapping(name, text, parse);
  const match = FRONT_MATTER.exec(text);
  const row = match ? mapping(name, match[1] ?? '', parse) : {};
  if (MARKDOWN_BODY_COLUMN in row) {
    throw invalid(name, `sets "${MARKDOWN_BODY_COLUMN}" in its front matter, which the Markdown body fills`);
  }
  return { ...row, [MARKDOWN_BODY_COLUMN]: match ? text.slice(match[0].length) : text };
}

function mapping(name: string, yaml: string, parse: YamlParse): PromptRow {
  let value: unknown;
  try {
    value = parse(yaml);
  } catch (error) {
    throw invalid(name, `is not valid YAML: ${reason(error)}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(name, 'is not a mapping of columns');
  return value as PromptRow;
}

function invalid(file: string, why: string): ConfigurationError {
  return new ConfigurationError(DB.PROMPT_FILE_INVALID, `Prompt file ${file} ${why}.`, {
    remedy: 'See the prompt file format in the sync-prompts README.',
  });
}
