/**
 * The `aws_ec2` discovery plugin: running EC2 instances with a tag whose key starts with `border0`, in the
 * configured regions, become sockets at their private addresses (SSH unless tagged otherwise), read through
 * @aws-sdk/client-ec2 (DescribeInstances, page by page with NextToken). Credentials: the SDK's default chain
 * (environment, shared config and credentials files, the instance's role).
 *
 * Tags on an instance:
 * - `border0_socket_type`: ssh (default), http, database or tls
 * - `border0_socket_port`: the port (default 22 for ssh; required for the others)
 * - `border0_socket_name`: the socket's name (default: `<Name tag>-<instance id>`)
 * - `border0_ssh_auth`: `border0_certificate` for border0 certificate authentication upstream (overrides the
 *   configured `upstream.ssh`), with `border0_ssh_username` as the user, else the client's
 * - `border0_database_protocol`: postgres or mysql; `border0_http_scheme`: http or https
 * - `border0_tag_KEY`: tag KEY on the socket
 *
 * @example
 * discovery:
 *   aws_ec2:
 *     regions: [eu-west-1, us-east-1]
 *     upstream: { ssh: { authentication_type: private_key, username: ec2-user, private_key: "${from:file:/etc/border0/ec2.pem}" } }
 */
import type { EC2Client, Instance, Tag } from '@aws-sdk/client-ec2';
import type { DiscoveredResource, DiscoveryPlugin } from './discovery-plugin.js';
import { labelledResource, portOf, prefixedTags, type UpstreamSettings } from './labelled-resource.js';

export interface AwsEc2Settings {
  regions: string[];
  /** Another endpoint for the EC2 API (a VPC endpoint, a test server); the SDK's regional one by default. */
  endpoint?: string | undefined;
  /** Instances per DescribeInstances page (5 to 1000, default 100). */
  page_size?: number | undefined;
  interval_seconds?: number | undefined;
  upstream?: UpstreamSettings | undefined;
}

export const TAG = {
  prefix: 'border0',
  type: 'border0_socket_type',
  port: 'border0_socket_port',
  name: 'border0_socket_name',
  description: 'border0_socket_description',
  sshAuth: 'border0_ssh_auth',
  sshUsername: 'border0_ssh_username',
  databaseProtocol: 'border0_database_protocol',
  httpScheme: 'border0_http_scheme',
  tagPrefix: 'border0_tag_',
} as const;

/** More pages than this in one region is a loop (an endpoint that keeps answering a NextToken), refused. */
const MAX_PAGES = 1000;

export function parseAwsEc2Settings(raw: unknown): AwsEc2Settings {
  const settings = (raw ?? {}) as AwsEc2Settings;
  if (
    !Array.isArray(settings.regions) ||
    settings.regions.length === 0 ||
    settings.regions.some((r) => typeof r !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r))
  ) {
    throw new Error('discovery.aws_ec2.regions: expected a list of AWS regions, e.g. [eu-west-1]');
  }
  if (
    settings.endpoint !== undefined &&
    (typeof settings.endpoint !== 'string' || !URL.canParse(settings.endpoint))
  ) {
    throw new Error('discovery.aws_ec2.endpoint: expected a URL');
  }
  const pageSize = settings.page_size;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 5 && pageSize <= 1000)) {
    throw new Error('discovery.aws_ec2.page_size: expected a whole number from 5 to 1000');
  }
  const interval = settings.interval_seconds;
  if (interval !== undefined && (typeof interval !== 'number' || !(interval > 0))) {
    throw new Error('discovery.aws_ec2.interval_seconds: expected a positive number');
  }
  return settings;
}

const tagsOf = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));

/** The socket of a tagged running instance, or undefined when its tags do not make one. */
export function resourceOfInstance(
  instance: Instance,
  region: string,
  upstream: UpstreamSettings = {},
): DiscoveredResource | undefined {
  const tags = tagsOf(instance.Tags);
  const id = instance.InstanceId;
  const address = instance.PrivateIpAddress;
  if (!id || !address || instance.State?.Name !== 'running') return undefined;
  if (!Object.keys(tags).some((k) => k.startsWith(TAG.prefix))) return undefined;
  const type = tags[TAG.type] ?? 'ssh';
  const port = tags[TAG.port] !== undefined ? portOf(tags[TAG.port]) : type === 'ssh' ? 22 : undefined;
  if (port === undefined) return undefined;
  const certificate = tags[TAG.sshAuth] === 'border0_certificate';
  const username = tags[TAG.sshUsername];
  return labelledResource(
    {
      type,
      name: tags[TAG.name] ?? [tags.Name, id].filter(Boolean).join('-'),
      hostname: address,
      port,
      databaseProtocol: tags[TAG.databaseProtocol],
      httpScheme: tags[TAG.httpScheme],
      description: tags[TAG.description],
      tags: {
        'border0.discovery.instance': id,
        'border0.discovery.region': region,
        ...prefixedTags(tags, TAG.tagPrefix),
      },
      source: `aws-ec2://${region}/${id}`,
    },
    certificate
      ? {
          ...upstream,
          ssh: {
            authentication_type: 'border0_certificate',
            ...(username
              ? { username_provider: 'defined', username }
              : { username_provider: 'prompt_client' }),
          },
        }
      : upstream,
  );
}

export class AwsEc2Plugin implements DiscoveryPlugin {
  readonly name = 'aws_ec2';
  readonly intervalMs: number;
  readonly #settings: AwsEc2Settings;
  readonly #clients = new Map<string, EC2Client>();

  constructor(settings: AwsEc2Settings) {
    this.#settings = settings;
    this.intervalMs = (settings.interval_seconds ?? 60) * 1000;
  }

  async #instances(region: string, signal: AbortSignal): Promise<Instance[]> {
    // Loaded on first use: a connector without EC2 discovery never loads the SDK.
    const { EC2Client, paginateDescribeInstances } = await import('@aws-sdk/client-ec2');
    let client = this.#clients.get(region);
    if (!client) {
      client = new EC2Client({
        region,
        ...(this.#settings.endpoint && { endpoint: this.#settings.endpoint }),
      });
      this.#clients.set(region, client);
    }
    const pages = paginateDescribeInstances(
      { client, pageSize: this.#settings.page_size ?? 100 },
      {
        Filters: [
          { Name: 'instance-state-name', Values: ['running'] },
          { Name: 'tag-key', Values: [`${TAG.prefix}*`] },
        ],
      },
      { abortSignal: signal },
    );
    const instances: Instance[] = [];
    let count = 0;
    try {
      for await (const page of pages) {
        if (++count > MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages`);
        for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      }
    } catch (error) {
      const { name, message } = error as Error;
      throw new Error(`aws_ec2: DescribeInstances in ${region}: ${name}: ${message}`);
    }
    return instances;
  }

  async discover(signal: AbortSignal): Promise<DiscoveredResource[]> {
    const found: DiscoveredResource[] = [];
    for (const region of this.#settings.regions) {
      for (const instance of await this.#instances(region, signal)) {
        const resource = resourceOfInstance(instance, region, this.#settings.upstream);
        if (resource) found.push(resource);
      }
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }
}
