/** One entry bundled with ncc: file name (index.js, chunks, licenses.txt) → contents, scripts minified. */
export function bundle(
  entry: string,
  options?: { externals?: Record<string, string> },
): Promise<Record<string, string>>;
