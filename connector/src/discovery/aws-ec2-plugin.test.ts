/**
 * The aws_ec2 plugin through @aws-sdk/client-ec2, pointed by its `endpoint` setting at a local HTTP server that
 * answers with recorded DescribeInstances responses (test/fixtures/aws-ec2: the EC2 Query API's XML, a
 * NextToken page and an UnauthorizedOperation error), signed with static test credentials from the environment
 * (the SDK's default chain): tagged running instances become sockets at their private addresses.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEc2Plugin, parseAwsEc2Settings } from './aws-ec2-plugin.js';
import { configuredPlugins } from './plugin-config.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/aws-ec2/${name}`, import.meta.url), 'utf8');
const NEXT_TOKEN = /<nextToken>([^<]+)<\/nextToken>/.exec(fixture('describe-instances-page1.xml'))![1]!;
const TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  // Nothing of the machine's own AWS configuration, and no instance metadata lookups.
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

const $ = '$';

interface Seen {
  region: string | undefined;
  accessKey: string | undefined;
  params: Record<string, string>;
}

describe('aws_ec2 discovery', () => {
  let server: Server;
  let endpoint: string;
  const seen: Seen[] = [];
  const saved: Record<string, string | undefined> = {};
  const signal = new AbortController().signal;

  beforeAll(async () => {
    for (const [key, value] of Object.entries(TEST_CREDENTIALS)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        // SigV4: Credential=<access key>/<date>/<region>/ec2/aws4_request
        const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/ec2\//.exec(request.headers.authorization ?? '');
        const params = Object.fromEntries(new URLSearchParams(body));
        seen.push({ region: scope?.[2], accessKey: scope?.[1], params });
        const xml = (status: number, name: string) =>
          response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' }).end(fixture(name));
        if (params.Action !== 'DescribeInstances') return xml(400, 'unauthorized-operation.xml');
        if (scope?.[2] === 'us-east-1') return xml(403, 'unauthorized-operation.xml');
        if (params.NextToken === NEXT_TOKEN) return xml(200, 'describe-instances-page2.xml');
        xml(200, 'describe-instances-page1.xml');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('makes sockets of the tagged running instances of a region, reading every page', async () => {
    seen.length = 0;
    const plugin = new AwsEc2Plugin({ regions: ['eu-west-1'], endpoint, page_size: 50 });
    const found = await plugin.discover(signal);
    expect(seen.map((s) => [s.region, s.accessKey, s.params.MaxResults, s.params.NextToken])).toEqual([
      ['eu-west-1', TEST_CREDENTIALS.AWS_ACCESS_KEY_ID, '50', undefined],
      ['eu-west-1', TEST_CREDENTIALS.AWS_ACCESS_KEY_ID, '50', NEXT_TOKEN],
    ]);
    // The server is asked for running instances with border0* tags only.
    expect(seen[0]?.params).toMatchObject({
      'Filter.1.Name': 'instance-state-name',
      'Filter.1.Value.1': 'running',
      'Filter.2.Name': 'tag-key',
      'Filter.2.Value.1': 'border0*',
    });
    // Left out: a stopping instance (answered anyway).
    expect(found.map((r) => [r.name, r.socketType, r.upstream, r.source])).toEqual([
      [
        'app-server-i-0fedcba9876543210',
        'ssh',
        {
          type: 'ssh',
          hostname: '10.0.2.40',
          port: 22,
          authentication_type: 'border0_certificate',
          username_provider: 'prompt_client',
        },
        'aws-ec2://eu-west-1/i-0fedcba9876543210',
      ],
      [
        'bastion-i-0123456789abcdef0',
        'ssh',
        {
          type: 'ssh',
          hostname: '10.0.1.23',
          port: 22,
          authentication_type: 'border0_certificate',
          username_provider: 'defined',
          username: 'ec2-user',
        },
        'aws-ec2://eu-west-1/i-0123456789abcdef0',
      ],
      [
        'reports-db',
        'database',
        {
          type: 'database',
          protocol: 'postgres',
          hostname: '10.0.3.7',
          port: 5432,
          authentication_type: 'no_auth',
        },
        'aws-ec2://eu-west-1/i-0aaaabbbbccccdddd',
      ],
    ]);
    expect(found.find((r) => r.name.startsWith('bastion'))?.tags).toEqual({
      team: 'ops',
      'border0.discovery.instance': 'i-0123456789abcdef0',
      'border0.discovery.region': 'eu-west-1',
    });
  });

  it('uses the configured SSH credentials, except on an instance tagged for border0 certificates', async () => {
    const upstream = {
      ssh: {
        authentication_type: 'private_key',
        username: 'admin',
        private_key: `${$}{from:file:/etc/ec2.pem}`,
      },
    };
    const found = await new AwsEc2Plugin({ regions: ['eu-west-1'], endpoint, upstream }).discover(signal);
    expect(found.find((r) => r.name.startsWith('app-server'))?.upstream).toMatchObject(upstream.ssh);
    expect(found.find((r) => r.name.startsWith('bastion'))?.upstream).toMatchObject({
      authentication_type: 'border0_certificate',
      username: 'ec2-user',
    });
    expect(found.find((r) => r.name.startsWith('bastion'))?.upstream).not.toHaveProperty('private_key');
  });

  it('fails a run with the EC2 error when a region refuses (so the connector keeps its sockets)', async () => {
    const plugin = new AwsEc2Plugin({ regions: ['eu-west-1', 'us-east-1'], endpoint });
    await expect(plugin.discover(signal)).rejects.toThrow(
      'aws_ec2: DescribeInstances in us-east-1: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
  });

  it('reads its settings from connector.yaml, refusing bad ones by field', () => {
    const [configured] = configuredPlugins({ aws_ec2: { regions: ['eu-west-1'] } });
    expect(configured?.plugin.name).toBe('aws_ec2');
    expect(() => parseAwsEc2Settings({})).toThrow('discovery.aws_ec2.regions');
    expect(() => parseAwsEc2Settings({ regions: ['Europe'] })).toThrow('discovery.aws_ec2.regions');
    expect(() => parseAwsEc2Settings({ regions: ['eu-west-1'], page_size: 2 })).toThrow(
      'discovery.aws_ec2.page_size',
    );
  });
});
