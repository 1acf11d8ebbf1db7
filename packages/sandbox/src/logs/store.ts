export interface LogEventRecord {
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

export interface LogStream {
  name: string;
  creationTime: number;
  events: LogEventRecord[];
}

export interface LogGroup {
  name: string;
  creationTime: number;
  streams: Map<string, LogStream>;
}

/** Where simulated containers write their output. */
export interface LogSink {
  write(group: string, stream: string, messages: string[], timestamp: number): void;
}

const MAX_STREAMS_PER_GROUP = 2000;

export class LogStore implements LogSink {
  readonly groups = new Map<string, LogGroup>();
  private nextEventNumber = 1;

  constructor(private readonly wallNow: () => number = Date.now) {}

  createGroup(name: string): LogGroup {
    const group: LogGroup = { name, creationTime: this.wallNow(), streams: new Map() };
    this.groups.set(name, group);
    return group;
  }

  createStream(group: LogGroup, name: string): LogStream {
    const stream: LogStream = { name, creationTime: this.wallNow(), events: [] };
    group.streams.set(name, stream);
    if (group.streams.size > MAX_STREAMS_PER_GROUP) {
      const oldest = group.streams.keys().next().value;
      if (oldest !== undefined) group.streams.delete(oldest);
    }
    return stream;
  }

  append(stream: LogStream, events: Array<{ timestamp: number; message: string }>): void {
    const ingestionTime = this.wallNow();
    for (const event of events) {
      const eventId = String(this.nextEventNumber++).padStart(56, '0');
      stream.events.push({ ...event, ingestionTime, eventId });
    }
    stream.events.sort((a, b) => a.timestamp - b.timestamp);
  }

  /** The awslogs driver's view: groups and streams appear when first written to. */
  write(groupName: string, streamName: string, messages: string[], timestamp: number): void {
    if (messages.length === 0) return;
    const group = this.groups.get(groupName) ?? this.createGroup(groupName);
    const stream = group.streams.get(streamName) ?? this.createStream(group, streamName);
    this.append(
      stream,
      messages.map((message) => ({ timestamp, message })),
    );
  }
}
