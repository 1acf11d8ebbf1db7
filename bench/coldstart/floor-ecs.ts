// The floor for a program whose first AWS request is ECS DescribeServices: that client, that request.
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';

void new ECSClient({}).send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] })).catch(() => {});
