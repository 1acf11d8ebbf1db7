import type {
  CreateLogGroupRequest,
  CreateLogStreamRequest,
  DeleteLogGroupRequest,
  DescribeLogGroupsRequest,
  DescribeLogStreamsRequest,
  FilterLogEventsRequest,
  GetLogEventsRequest,
  PutLogEventsRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import { AwsError } from '../http/aws-error';
import { operation, paginate, type OperationTable } from '../http/operation';
import { matchesFilterPattern } from './filter-pattern';
import type { LogGroup, LogStore, LogStream } from './store';

export interface LogsContext {
  store: LogStore;
  region: string;
  accountId: string;
}

const MAX_EVENTS = 10000;
const MAX_DESCRIBED = 50;

const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);
const groupNotFound = () =>
  new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
const streamNotFound = () =>
  new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');

export function logsOperations({ store, region, accountId }: LogsContext): OperationTable {
  const groupArn = (group: string) => `arn:aws:logs:${region}:${accountId}:log-group:${group}`;

  const findGroup = (input: { logGroupName?: string; logGroupIdentifier?: string }): LogGroup => {
    const ref = input.logGroupName ?? input.logGroupIdentifier ?? '';
    const name = ref.startsWith('arn:')
      ? ref.replace(/^arn:[^:]*:logs:[^:]*:[^:]*:log-group:/, '').replace(/:\*$/, '')
      : ref;
    const group = store.groups.get(name);
    if (!group) throw groupNotFound();
    return group;
  };

  const findStream = (group: LogGroup, name: string | undefined): LogStream => {
    const stream = name ? group.streams.get(name) : undefined;
    if (!stream) throw streamNotFound();
    return stream;
  };

  return {
    CreateLogGroup: operation((input: CreateLogGroupRequest) => {
      if (!input.logGroupName) throw invalidParameter('logGroupName must be specified.');
      if (store.groups.has(input.logGroupName)) {
        throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
      }
      store.createGroup(input.logGroupName);
      return {};
    }),

    DeleteLogGroup: operation((input: DeleteLogGroupRequest) => {
      store.groups.delete(findGroup(input).name);
      return {};
    }),

    CreateLogStream: operation((input: CreateLogStreamRequest) => {
      const group = findGroup(input);
      if (!input.logStreamName) throw invalidParameter('logStreamName must be specified.');
      if (group.streams.has(input.logStreamName)) {
        throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
      }
      store.createStream(group, input.logStreamName);
      return {};
    }),

    PutLogEvents: operation((input: PutLogEventsRequest) => {
      const stream = findStream(findGroup(input), input.logStreamName);
      store.append(
        stream,
        (input.logEvents ?? []).map((e) => ({ timestamp: e.timestamp ?? 0, message: e.message ?? '' })),
      );
      return {};
    }),

    DescribeLogGroups: operation((input: DescribeLogGroupsRequest) => {
      const groups = [...store.groups.values()]
        .filter((g) => !input.logGroupNamePrefix || g.name.startsWith(input.logGroupNamePrefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const page = paginate(
        groups,
        { maxResults: input.limit, nextToken: input.nextToken },
        limits(),
        invalidParameter,
      );
      return {
        logGroups: page.items.map((g) => ({
          logGroupName: g.name,
          creationTime: g.creationTime,
          metricFilterCount: 0,
          arn: `${groupArn(g.name)}:*`,
          logGroupArn: groupArn(g.name),
          storedBytes: [...g.streams.values()].reduce((sum, s) => sum + storedBytes(s), 0),
          logGroupClass: 'STANDARD',
        })),
        nextToken: page.nextToken,
      };
    }),

    DescribeLogStreams: operation((input: DescribeLogStreamsRequest) => {
      const group = findGroup(input);
      if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix) {
        throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
      }
      const streams = [...group.streams.values()].filter(
        (s) => !input.logStreamNamePrefix || s.name.startsWith(input.logStreamNamePrefix),
      );
      if (input.orderBy === 'LastEventTime') {
        streams.sort((a, b) => (lastEvent(a)?.timestamp ?? 0) - (lastEvent(b)?.timestamp ?? 0));
      } else {
        streams.sort((a, b) => a.name.localeCompare(b.name));
      }
      if (input.descending) streams.reverse();
      const page = paginate(
        streams,
        { maxResults: input.limit, nextToken: input.nextToken },
        limits(),
        invalidParameter,
      );
      return {
        logStreams: page.items.map((s) => ({
          logStreamName: s.name,
          creationTime: s.creationTime,
          firstEventTimestamp: s.events[0]?.timestamp,
          lastEventTimestamp: lastEvent(s)?.timestamp,
          lastIngestionTime: lastEvent(s)?.ingestionTime,
          arn: `${groupArn(group.name)}:log-stream:${s.name}`,
          storedBytes: 0,
        })),
        nextToken: page.nextToken,
      };
    }),

    GetLogEvents: operation((input: GetLogEventsRequest) => {
      const stream = findStream(findGroup(input), input.logStreamName);
      const events = stream.events.filter(
        (e) =>
          (input.startTime === undefined || e.timestamp >= input.startTime) &&
          (input.endTime === undefined || e.timestamp < input.endTime),
      );
      const { start, end } = logEventsWindow(events.length, input);
      return {
        events: events.slice(start, end).map(({ timestamp, message, ingestionTime }) => ({
          timestamp,
          message,
          ingestionTime,
        })),
        nextForwardToken: `f/${String(end).padStart(56, '0')}`,
        nextBackwardToken: `b/${String(start).padStart(56, '0')}`,
      };
    }),

    FilterLogEvents: operation((input: FilterLogEventsRequest) => {
      const group = findGroup(input);
      if (input.logStreamNames?.length && input.logStreamNamePrefix) {
        throw invalidParameter('You cannot specify both LogStreamNames and LogStreamNamePrefix.');
      }
      const streams = [...group.streams.values()].filter((s) =>
        input.logStreamNames?.length
          ? input.logStreamNames.includes(s.name)
          : !input.logStreamNamePrefix || s.name.startsWith(input.logStreamNamePrefix),
      );
      const events = streams
        .flatMap((s) => s.events.map((e) => ({ logStreamName: s.name, ...e })))
        .filter(
          (e) =>
            (input.startTime === undefined || e.timestamp >= input.startTime) &&
            (input.endTime === undefined || e.timestamp <= input.endTime) &&
            matchesFilterPattern(input.filterPattern, e.message),
        )
        .sort((a, b) => a.timestamp - b.timestamp);
      const page = paginate(
        events,
        { maxResults: input.limit, nextToken: input.nextToken },
        { default: MAX_EVENTS, max: MAX_EVENTS },
        invalidParameter,
      );
      return { events: page.items, nextToken: page.nextToken };
    }),
  };
}

function limits() {
  return { default: MAX_DESCRIBED, max: MAX_DESCRIBED };
}

function lastEvent(stream: LogStream) {
  return stream.events[stream.events.length - 1];
}

function storedBytes(stream: LogStream): number {
  return stream.events.reduce((sum, e) => sum + Buffer.byteLength(e.message), 0);
}

/** GetLogEvents paging: forward from the head or a forward token, backward from the tail or a backward token. */
function logEventsWindow(
  total: number,
  input: { limit?: number; startFromHead?: boolean; nextToken?: string },
): { start: number; end: number } {
  const limit = input.limit ?? MAX_EVENTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS) {
    throw invalidParameter(`limit must be between 1 and ${MAX_EVENTS}.`);
  }
  if (input.nextToken) {
    const match = /^([fb])\/(\d+)$/.exec(input.nextToken);
    if (!match) throw invalidParameter('The specified nextToken is invalid.');
    const position = Math.min(Number(match[2]), total);
    return match[1] === 'f'
      ? { start: position, end: Math.min(total, position + limit) }
      : { start: Math.max(0, position - limit), end: position };
  }
  return input.startFromHead
    ? { start: 0, end: Math.min(total, limit) }
    : { start: Math.max(0, total - limit), end: total };
}
