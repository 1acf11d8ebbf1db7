import { AwsError } from '../http/aws-error';

/**
 * The plain-term subset of CloudWatch Logs filter patterns: every term (or "quoted phrase") must occur;
 * terms written ?term match when any of them occurs. JSON and space-delimited patterns are not simulated.
 */
export function matchesFilterPattern(pattern: string | undefined, message: string): boolean {
  const trimmed = pattern?.trim() ?? '';
  if (trimmed === '' || trimmed === '""') return true;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    throw new AwsError('InvalidParameterException', 'The sandbox supports only plain-term filter patterns.');
  }
  const terms = [...trimmed.matchAll(/(\?)?(?:"([^"]*)"|(\S+))/g)].map((m) => ({
    optional: m[1] === '?',
    text: m[2] ?? m[3] ?? '',
  }));
  const optional = terms.filter((t) => t.optional);
  if (optional.length > 0) return optional.some((t) => message.includes(t.text));
  return terms.every((t) => message.includes(t.text));
}
