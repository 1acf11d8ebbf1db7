import { SlipwayError, Summary } from '@slipway/kit';
import { DeployResult, ServiceResult, errorCodeFor, failedStatuses } from './deploy';
import { Diagnosis } from './diagnose';
import { ServiceDeploymentFacts } from './service-deployments';
import { oneOffFailure } from './one-off';
import { appendPlan, planMarkdown, preflightFailure } from './plan';
import { PreviewResult } from './preview';
import { revisionOf } from './taskdef';
import { ECS } from './codes';

const verdictIcons: Record<string, string> = {
  SUCCEEDED: '✅ succeeded',
  UNCHANGED: '⏸️ unchanged',
  STARTED: '🚀 started (not waited for)',
  FAILED: '❌ failed',
  ROLLED_BACK: '↩️ failed, rolled back by ECS',
  ROLLBACK_FAILED: "🛑 failed, and ECS's rollback failed",
  TIMED_OUT: '⌛ timed out',
  REPLACED: '🔀 replaced by another deployment',
  PLANNED: '📝 planned (nothing changed)',
  BLOCKED: '🛑 stopped by pre-flight (nothing registered or updated)',
};

export function deployOutputs(result: DeployResult): Record<string, string> {
  const first = result.services[0];
  return {
    'task-definition-arn': first?.taskDefinitionArn ?? '',
    'previous-task-definition-arn': first?.previousTaskDefinitionArn ?? '',
    'deployment-id': first?.deploymentId ?? '',
    status: result.status,
    results: JSON.stringify(
      result.services.map(({ diagnosis, ...rest }) => ({
        ...rest,
        cause: diagnosis?.cause.title,
        ...(diagnosis?.serviceDeployment ? { serviceDeployment: diagnosis.serviceDeployment } : {}),
      })),
    ),
    'task-arn': result.oneOffTask?.taskArn ?? '',
    'task-exit-code': result.oneOffTask?.exitCode === undefined ? '' : String(result.oneOffTask.exitCode),
    plan: result.plan ? planMarkdown(result.plan) : '',
  };
}

export function deploySummary(result: DeployResult): string {
  const summary = new Summary().heading(`ECS deploy — ${verdictIcons[result.status] ?? result.status}`);
  if (result.plan) appendPlan(summary, result.plan);
  if (result.status === 'PLANNED' || result.status === 'BLOCKED') return summary.toMarkdown();
  summary.heading('Deploy', 3);
  summary.table(
    ['Service', 'Revision', 'Images', 'Duration', 'Verdict'],
    result.services.map((s) => [
      s.service,
      s.taskDefinitionArn === s.previousTaskDefinitionArn
        ? `${revisionOf(s.taskDefinitionArn)} (no new revision)`
        : `${revisionOf(s.previousTaskDefinitionArn)} → ${revisionOf(s.taskDefinitionArn)}`,
      s.images.join('\n'),
      `${(s.durationMs / 1000).toFixed(1)} s`,
      verdictIcons[s.status] ?? s.status,
    ]),
  );
  for (const s of result.services) {
    if (s.status === 'UNCHANGED')
      summary.paragraph(
        `**${s.service}**: nothing changed, so no revision was registered and no deployment started.`,
      );
    else if (s.changes.length)
      summary.details(`${s.service}: what changed`, s.changes.map((c) => `- \`${c}\``).join('\n'));
    if (s.stages?.length) appendStages(summary, s);
    else if (s.controller === 'CODE_DEPLOY' && s.deploymentId)
      summary.paragraph(
        `**${s.service}** deployed through ${s.strategy ?? 'CODE_DEPLOY'}: deployment \`${s.deploymentId}\`.`,
      );
    if (failedStatuses.has(s.status)) appendDiagnosis(summary, s);
  }
  const task = result.oneOffTask;
  if (task) {
    const icon = task.status === 'SUCCEEDED' ? '✅' : '❌';
    summary.paragraph(
      `One-off task \`${task.taskArn.split('/').pop()}\` (${task.container}): ${icon} ${task.status}, ${task.reason}, ${(task.durationMs / 1000).toFixed(1)} s.`,
    );
  }
  return summary.toMarkdown();
}

/** A staged rollout's lifecycle stages, as followed: when each began, traffic, and its hooks. */
function appendStages(summary: Summary, s: ServiceResult): void {
  summary.heading(`${s.service}: ${s.strategy} rollout`, 3);
  summary.table(
    ['Stage', 'From', 'Production traffic on new revision', 'Hooks'],
    s.stages!.map((stage) => [
      stage.stage,
      `+${(stage.atMs / 1000).toFixed(1)} s`,
      stage.productionTraffic === undefined ? '—' : `${stage.productionTraffic}%`,
      stage.hooks.map((h) => `${h.target}: ${h.status}`).join('\n') || '—',
    ]),
  );
}

function appendDiagnosis(summary: Summary, s: ServiceResult): void {
  summary.heading(`${s.service}: ${s.status.toLowerCase().replace('_', ' ')}`, 3).paragraph(s.reason);
  if (s.diagnosis) {
    summary.paragraph(`**Cause:** ${s.diagnosis.cause.title}\n\n**Remedy:** ${s.diagnosis.cause.remedy}`);
    if (s.diagnosis.serviceDeployment)
      summary.paragraph(serviceDeploymentLine(s.diagnosis.serviceDeployment));
    if (s.diagnosis.stoppedTasks.length) {
      summary.table(
        ['Task', 'Stop code', 'Stopped reason', 'Containers'],
        s.diagnosis.stoppedTasks.map((t) => [
          t.taskId,
          t.stopCode,
          t.stoppedReason,
          t.containers
            .map((c) => `${c.name}: exit ${c.exitCode ?? '—'}${c.reason ? ` (${c.reason})` : ''}`)
            .join('\n'),
        ]),
      );
      for (const t of s.diagnosis.stoppedTasks.filter((t) => t.logTail.length)) {
        summary.details(`Log tail of task ${t.taskId}`, `\`\`\`\n${t.logTail.join('\n')}\n\`\`\``);
      }
    }
    if (s.diagnosis.events.length)
      summary.details(
        'Service events since the deploy began',
        `\`\`\`\n${s.diagnosis.events.join('\n')}\n\`\`\``,
      );
  }
  if (s.rollback) {
    summary.paragraph(
      `**Rollback** to revision ${revisionOf(s.rollback.taskDefinitionArn)}: ${verdictIcons[s.rollback.status] ?? s.rollback.status} — ${s.rollback.reason}`,
    );
  }
}

/** One line on what ECS's service-deployment API says: status, reason, circuit breaker, alarms. */
export function serviceDeploymentLine(sd: ServiceDeploymentFacts): string {
  const parts = [`**Service deployment:** \`${sd.status}\`${sd.statusReason ? ` — ${sd.statusReason}` : ''}`];
  const breaker = sd.circuitBreaker;
  if (breaker?.failureCount !== undefined) {
    const threshold = breaker.threshold === undefined ? '' : ` of threshold ${breaker.threshold}`;
    const label = breaker.status ? `circuit breaker ${breaker.status}` : 'circuit breaker';
    parts.push(`${label}: ${breaker.failureCount} failed task(s)${threshold}`);
  }
  if (sd.lifecycleStage) parts.push(`lifecycle stage ${sd.lifecycleStage}`);
  if (sd.failedHooks?.length) parts.push(`failed hooks: ${sd.failedHooks.join(', ')}`);
  if (sd.alarmsTriggered.length) parts.push(`alarms triggered: ${sd.alarmsTriggered.join(', ')}`);
  return parts.join('; ');
}

/** The error the step fails with: the first failed service, its cause and remedy. */
export function deployFailure(result: DeployResult): SlipwayError | undefined {
  if (result.status === 'BLOCKED' && result.plan) return preflightFailure(result.plan);
  const failed = result.services.find((s) => failedStatuses.has(s.status));
  if (!failed) {
    const task = result.oneOffTask;
    return task && task.status !== 'SUCCEEDED' ? oneOffFailure(task, 'after') : undefined;
  }
  const cause = failed.diagnosis?.cause;
  const rollback = failed.rollback
    ? ` Rolled back to revision ${revisionOf(failed.rollback.taskDefinitionArn)}: ${failed.rollback.status}.`
    : '';
  const rollbackFailed = failed.rollback && failed.rollback.status !== 'SUCCEEDED';
  return new SlipwayError(
    rollbackFailed ? ECS.ROLLBACK_FAILED : errorCodeFor[failed.status]!,
    `Service "${failed.service}" ${failed.status}: ${failed.reason.replace(/\.$/, '')}.${cause ? ` ${cause.title}` : ''}${rollback}`,
    { remedy: cause?.remedy, evidence: failed.diagnosis && evidenceOf(failed.diagnosis) },
  );
}

/** The diagnosis in brief for the error annotation: the first stopped task, its log tail, the latest events. */
function evidenceOf(diagnosis: Diagnosis): string[] {
  const lines: string[] = [];
  const task = diagnosis.stoppedTasks[0];
  if (task) {
    const exits = task.containers.map(
      (c) => `${c.name}: exit ${c.exitCode ?? '—'}${c.reason ? ` (${c.reason})` : ''}`,
    );
    lines.push(
      `Stopped task ${task.taskId}: ${task.stopCode ?? 'no stop code'} — ${task.stoppedReason ?? ''}; ${exits.join('; ')}`,
    );
    if (task.logTail.length) lines.push('Log tail:', ...task.logTail.slice(-5).map((l) => `  ${l}`));
  }
  if (diagnosis.events.length)
    lines.push('Latest service events:', ...diagnosis.events.slice(-3).map((e) => `  ${e}`));
  return lines;
}

export function previewOutputs(result: PreviewResult): Record<string, string> {
  if (result.action === 'deploy') {
    return {
      ...deployOutputs(result.deployment),
      'preview-service': result.service,
      'preview-url': result.url ?? '',
      'deleted-previews': '[]',
    };
  }
  return {
    'preview-service': result.action === 'delete' ? result.service : '',
    'preview-url': '',
    'deleted-previews': JSON.stringify(result.deleted),
  };
}

export function previewSummary(result: PreviewResult): string {
  if (result.action === 'deploy') {
    const where = result.url ? ` at ${result.url}` : '';
    return `${deploySummary(result.deployment)}\nPreview \`${result.service}\`${where}.\n`;
  }
  const summary = new Summary().heading(`ECS previews — ${result.action}`);
  if (result.deleted.length) summary.list(result.deleted.map((name) => `deleted \`${name}\``));
  else summary.paragraph('No preview service to delete.');
  return summary.toMarkdown();
}
