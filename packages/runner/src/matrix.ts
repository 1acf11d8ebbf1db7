import type { Value } from './expressions';
import { RunnerError } from './errors';

type Combination = Record<string, Value>;

const same = (a: Value, b: Value) => JSON.stringify(a) === JSON.stringify(b);

/**
 * A strategy's matrix as GitHub expands it: the product of its vectors, less `exclude`, then each
 * `include` entry added to every combination whose original values it does not overwrite, or as a
 * combination of its own when it extends none.
 */
export function expandMatrix(matrix: Value): Combination[] {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) {
    throw new RunnerError('workflow', `strategy.matrix must be a mapping, not ${JSON.stringify(matrix)}.`);
  }
  const { include = [], exclude = [], ...vectors } = matrix;
  if (!Array.isArray(include) || !Array.isArray(exclude)) {
    throw new RunnerError('workflow', 'strategy.matrix include and exclude must be sequences.');
  }
  let combinations: Combination[] = Object.keys(vectors).length ? [{}] : [];
  for (const [key, values] of Object.entries(vectors)) {
    if (!Array.isArray(values))
      throw new RunnerError('workflow', `strategy.matrix.${key} must be a sequence.`);
    combinations = combinations.flatMap((c) => values.map((value) => ({ ...c, [key]: value })));
  }
  combinations = combinations.filter(
    (c) =>
      !exclude.some(
        (e) =>
          e !== null && typeof e === 'object' && Object.entries(e).every(([k, v]) => same(c[k] ?? null, v)),
      ),
  );
  const originals = combinations.map((c) => ({ ...c }));
  for (const entry of include) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new RunnerError('workflow', 'strategy.matrix.include entries must be mappings.');
    }
    let matched = false;
    combinations.forEach((c, i) => {
      const original = originals[i]!;
      if (Object.entries(entry).every(([k, v]) => !(k in original) || same(original[k]!, v))) {
        Object.assign(c, entry);
        matched = true;
      }
    });
    if (!matched) {
      combinations.push({ ...entry });
      originals.push({ ...entry });
    }
  }
  if (!combinations.length) throw new RunnerError('workflow', 'strategy.matrix expands to no job.');
  return combinations;
}
