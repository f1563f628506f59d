/**
 * The kubernetes plugin through @kubernetes/client-node, pointed by a kubeconfig at a local HTTP server that
 * answers with recorded API responses (test/fixtures/kubernetes: PodList, ServiceList and Status objects in the
 * shape of the Kubernetes API reference): annotated services and running pods become sockets, lists are read
 * page by page through `continue`, and an API error says what Kubernetes said; the watch (a streamed
 * response of watch events) runs the plugin on changes, goes on from the last version, and lists again after
 * 410 Gone.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir, waitUntil } from '@border0/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../test/support/test-pki.js';
import { KubernetesPlugin, parseKubernetesSettings } from './kubernetes-plugin.js';
import { configuredPlugins } from './plugin-config.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/fixtures/kubernetes/${name}`, import.meta.url), 'utf8');
const CONTINUE = JSON.parse(fixture('pods-shop-page1.json')).metadata.continue as string;
const TOKEN = 'test-service-account-token';

/** Answers like the API server would for the recorded lists; 403 for the namespace `payroll`. */
function answer(request: IncomingMessage): { status: number; body: string } {
  if (request.headers.authorization !== `Bearer ${TOKEN}`) {
    return {
      status: 401,
      body: '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}',
    };
  }
  const url = new URL(request.url ?? '/', 'http://api');
  const path = url.pathname.replace('/namespaces/shop', '');
  if (url.pathname.startsWith('/api/v1/namespaces/payroll/'))
    return { status: 403, body: fixture('status-forbidden.json') };
  if (path === '/api/v1/services') return { status: 200, body: fixture('services-shop.json') };
  if (path === '/api/v1/pods') {
    const page = url.searchParams.get('continue') === CONTINUE ? 2 : 1;
    return { status: 200, body: fixture(`pods-shop-page${page}.json`) };
  }
  return {
    status: 404,
    body: '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}',
  };
}

/** What the server does with a watch request, while a test sets it. */
let onWatch: ((url: URL, response: ServerResponse) => void) | undefined;

describe('kubernetes discovery', () => {
  let server: Server;
  let inCluster: Server;
  let inClusterRoot: string;
  let kubeconfig: string;
  const requests: string[] = [];
  const signal = new AbortController().signal;

  beforeAll(async () => {
    // The API server speaks HTTPS with a certificate of its own CA, as a cluster's does.
    const pki = await createTestPki('kubernetes.test');
    const handle = (request: IncomingMessage, response: ServerResponse) => {
      requests.push(request.url ?? '');
      const url = new URL(request.url ?? '/', 'http://api');
      const authorized = request.headers.authorization === `Bearer ${TOKEN}`;
      if (authorized && url.searchParams.get('watch') === 'true' && onWatch) return onWatch(url, response);
      const { status, body } = answer(request);
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    server = createServer({ cert: pki.certPem, key: pki.keyPem }, handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // In a cluster, the API is at KUBERNETES_SERVICE_HOST:PORT, trusted through the service account's ca.crt.
    const local = await createTestPki('localhost');
    inCluster = createServer({ cert: local.certPem, key: local.keyPem }, handle);
    await new Promise<void>((resolve) => inCluster.listen(0, 'localhost', resolve));
    inClusterRoot = tempDir('in-cluster');
    const account = join(inClusterRoot, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(account, { recursive: true });
    writeFileSync(join(account, 'ca.crt'), local.caPem);
    writeFileSync(join(account, 'token'), TOKEN);
    writeFileSync(join(account, 'namespace'), 'border0');
    const { port } = server.address() as AddressInfo;
    kubeconfig = join(tempDir('kubeconfig'), 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: lab',
        '  cluster:',
        `    server: https://127.0.0.1:${port}`,
        '    tls-server-name: kubernetes.test',
        `    certificate-authority-data: ${Buffer.from(pki.caPem).toString('base64')}`,
        'users:',
        `- name: connector\n  user:\n    token: ${TOKEN}`,
        '- name: stranger\n  user:\n    token: wrong-token',
        'contexts:',
        '- name: lab\n  context:\n    cluster: lab\n    user: connector',
        '- name: outside\n  context:\n    cluster: lab\n    user: stranger',
        'current-context: lab',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => inCluster.close(() => resolve()));
  });

  it('makes sockets of the annotated services and running pods of a namespace, reading every page', async () => {
    requests.length = 0;
    const plugin = new KubernetesPlugin({ kubeconfig, namespaces: ['shop'], page_size: 2 });
    const found = await plugin.discover(signal);
    expect(requests).toEqual([
      '/api/v1/namespaces/shop/services?limit=2',
      '/api/v1/namespaces/shop/pods?limit=2',
      `/api/v1/namespaces/shop/pods?continue=${CONTINUE}&limit=2`,
    ]);
    // Left out: an unannotated service and pod, a headless service, a pending pod.
    expect(found.map((r) => [r.name, r.socketType, r.upstream, r.source])).toEqual([
      [
        'admin-ui-shop',
        'http',
        { type: 'http', scheme: 'https', hostname: '10.244.2.9', port: 8443 },
        'kubernetes://shop/pods/admin-ui',
      ],
      [
        'bastion-6f9d8c7b5d-kq2zr-shop',
        'ssh',
        {
          type: 'ssh',
          hostname: '10.244.1.17',
          port: 2222,
          authentication_type: 'border0_certificate',
          username_provider: 'prompt_client',
        },
        'kubernetes://shop/pods/bastion-6f9d8c7b5d-kq2zr',
      ],
      [
        'checkout-shop',
        'http',
        { type: 'http', scheme: 'http', hostname: '10.96.12.34', port: 80 },
        'kubernetes://shop/services/checkout',
      ],
      [
        'orders',
        'database',
        {
          type: 'database',
          protocol: 'postgres',
          hostname: '10.96.40.7',
          port: 5432,
          authentication_type: 'no_auth',
        },
        'kubernetes://shop/services/orders-db',
      ],
    ]);
    expect(found.find((r) => r.name === 'checkout-shop')?.tags).toEqual({
      team: 'payments',
      'border0.discovery.kind': 'service',
      'border0.discovery.namespace': 'shop',
      'border0.discovery.name': 'checkout',
    });
    expect(found.find((r) => r.name === 'admin-ui-shop')?.description).toBe("the shop's admin pages");
  });

  it('lists every namespace when none is configured', async () => {
    requests.length = 0;
    const found = await new KubernetesPlugin({ kubeconfig }).discover(signal);
    expect(requests).toEqual([
      '/api/v1/services?limit=100',
      '/api/v1/pods?limit=100',
      // The recorded first page names a next one.
      `/api/v1/pods?continue=${CONTINUE}&limit=100`,
    ]);
    expect(found).toHaveLength(4);
  });

  it('fails a run with what the API said when a namespace is forbidden (so the connector keeps its sockets)', async () => {
    const plugin = new KubernetesPlugin({ kubeconfig, namespaces: ['shop', 'payroll'] });
    await expect(plugin.discover(signal)).rejects.toThrow(
      'kubernetes: listing services in namespace payroll: 403 Forbidden: services is forbidden: User "system:serviceaccount:border0:connector" cannot list resource "services"',
    );
  });

  it('authenticates in the cluster with the service account token and CA', async () => {
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = 'localhost';
    process.env.KUBERNETES_SERVICE_PORT = String((inCluster.address() as AddressInfo).port);
    try {
      const plugin = new KubernetesPlugin(
        { in_cluster: true, namespaces: ['shop'] },
        { clusterPathPrefix: inClusterRoot },
      );
      expect((await plugin.discover(signal)).map((r) => r.name)).toContain('checkout-shop');
    } finally {
      for (const [key, value] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('uses the kubeconfig context it is given', async () => {
    const plugin = new KubernetesPlugin({ kubeconfig, context: 'outside', namespaces: ['shop'] });
    await expect(plugin.discover(signal)).rejects.toThrow(
      /^kubernetes: listing services in namespace shop: 401/,
    );
  });

  it('watches pods and services from a list’s version, runs on annotated changes, and lists again after 410 Gone', async () => {
    requests.length = 0;
    const watches: { url: URL; response: ServerResponse }[] = [];
    onWatch = (url, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).flushHeaders();
      watches.push({ url, response });
    };
    let runs = 0;
    const watch = new KubernetesPlugin({ kubeconfig, namespaces: ['shop'] }).watch(() => runs++);
    const podWatches = () => watches.filter((w) => w.url.pathname === '/api/v1/namespaces/shop/pods');
    const podLists = () => requests.filter((r) => r === '/api/v1/namespaces/shop/pods?limit=1');
    try {
      await waitUntil(() => watches.length === 2, 5_000, 'a watch of pods and one of services');
      expect(requests.filter((r) => !r.includes('watch=true')).sort()).toEqual([
        '/api/v1/namespaces/shop/pods?limit=1',
        '/api/v1/namespaces/shop/services?limit=1',
      ]);
      const [first] = podWatches();
      expect(first!.url.searchParams.get('resourceVersion')).toBe('482913');
      expect(first!.url.searchParams.get('allowWatchBookmarks')).toBe('true');
      const [bastion, worker] = JSON.parse(fixture('pods-shop-page1.json')).items;
      const send = (to: ServerResponse, type: string, object: unknown) =>
        to.write(`${JSON.stringify({ type, object })}\n`);
      const at = (pod: { metadata: object }, resourceVersion: string) => ({
        ...pod,
        metadata: { ...pod.metadata, resourceVersion },
      });
      // An unannotated pod changing is no reason to run; an annotated one going is.
      send(first!.response, 'MODIFIED', at(worker, '483000'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(runs).toBe(0);
      send(first!.response, 'DELETED', at(bastion, '483001'));
      await waitUntil(() => runs === 1, 5_000, 'a run after the annotated pod went');
      send(first!.response, 'BOOKMARK', {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { resourceVersion: '483100' },
      });
      // The server ends the watch (its timeout): the next one goes on from the last version seen.
      first!.response.end();
      await waitUntil(() => podWatches().length === 2, 5_000, 'the pods watched again');
      expect(podWatches()[1]!.url.searchParams.get('resourceVersion')).toBe('483100');
      expect(podLists()).toHaveLength(1);
      // That version is too old now: 410 Gone, as an ERROR event. The plugin lists again, runs once for what it
      // may have missed, and watches from the new list's version.
      podWatches()[1]!.response.end(
        `${JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'too old resource version: 483100 (490212)',
            reason: 'Expired',
            code: 410,
          },
        })}\n`,
      );
      await waitUntil(() => podWatches().length === 3 && runs === 2, 5_000, 'a list and a watch again');
      expect(podLists()).toHaveLength(2);
      expect(podWatches()[2]!.url.searchParams.get('resourceVersion')).toBe('482913');
    } finally {
      watch.close();
      onWatch = undefined;
      for (const { response } of watches) response.end();
    }
  });

  it('reads its settings from connector.yaml, refusing bad ones by field', () => {
    const [configured] = configuredPlugins({ kubernetes: { kubeconfig: '/etc/kube', namespaces: ['shop'] } });
    expect(configured?.plugin.name).toBe('kubernetes');
    expect(() => parseKubernetesSettings({ namespaces: ['Not A Namespace'] })).toThrow(
      'discovery.kubernetes.namespaces',
    );
    expect(() => parseKubernetesSettings({ in_cluster: true, kubeconfig: '/k' })).toThrow(
      'discovery.kubernetes.in_cluster',
    );
    expect(() => parseKubernetesSettings({ page_size: 0 })).toThrow('discovery.kubernetes.page_size');
  });
});
