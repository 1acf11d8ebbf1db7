import {
  ValidateContext,
  ValidateRequest,
  ValidationReport,
  validate,
  validationFailure,
} from '@slipway/probe';
import type { Finished } from './finished';

/** validate-deploy: every check the request names, all run; the first failure is reported after the summary. */
export async function validateDeploy(
  request: ValidateRequest,
  context: ValidateContext,
): Promise<Finished<ValidationReport>> {
  const report = await validate(request, context);
  return { result: report, failure: validationFailure(report) };
}
