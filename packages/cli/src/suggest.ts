import { closest, distance } from 'fastest-levenshtein';

/** " Did you mean "…"?" for a name that is not one of `names`, when one is close enough to be a typo. */
export function didYouMean(name: string, names: string[]): string {
  if (!names.length) return '';
  const guess = closest(name, names);
  return distance(name, guess) <= Math.max(2, Math.floor(guess.length / 3))
    ? ` Did you mean "${guess}"?`
    : '';
}
