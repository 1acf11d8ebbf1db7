// The floor for a program whose first AWS request is ECR DescribeRepositories: that client, that request.
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';

void new ECRClient({}).send(new DescribeRepositoriesCommand({ repositoryNames: ['app'] })).catch(() => {});
