/**
 * Access decisions for integrators and admins: the check (`POST /access/check`), the what-if of one policy
 * (`POST /policies/{policy}/test`) and the policies that apply to a socket (`GET
 * /sockets/{socket}/effective-policies`). All of them read; none changes anything.
 */
import { appliesToSocket, compilePolicy, type PolicyInput } from '@border0/sdk/policy';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { authorize } from '../platform/auth/authorize.js';
import { errors, IDEMPOTENT, jsonBody, jsonResponse, refParams } from '../platform/http/common-schemas.js';
import type { AppEnv } from '../platform/http/env.js';
import {
  attachedSockets,
  findPolicy,
  loadPolicies,
  policyToApi,
  toPolicyInput,
} from '../policies/policy-store.js';
import type { Services } from '../services.js';
import { findSocket } from '../sockets/socket-store.js';
import { checkAccess } from './access-check.js';
import {
  AccessCheck,
  AccessDecision,
  EffectivePolicyList,
  PolicyTest,
  PolicyTestResult,
} from './access-schemas.js';

const checkAccessRoute = createRoute({
  method: 'post',
  path: '/access/check',
  operationId: 'checkAccess',
  summary: 'Check access',
  description:
    'Decides as the proxies do, over every policy that applies to the socket, and explains the decision ' +
    'policy by policy.',
  tags: ['Access'],
  ...IDEMPOTENT,
  request: {
    body: jsonBody(AccessCheck, {
      socket: 'grafana',
      identity: { service_account: 'deploy-bot' },
      action: { type: 'http' },
      ip: '203.0.113.7',
    }),
  },
  responses: {
    200: jsonResponse(AccessDecision, 'The decision, allowed or not, with its explanation.'),
    ...errors(400, 401, 403, 413, 415),
  },
});

const testPolicyRoute = createRoute({
  method: 'post',
  path: '/policies/{policy}/test',
  operationId: 'testPolicy',
  summary: 'Test a policy (what-if)',
  description:
    'Decides with this one policy alone, as if it applied to the socket, and says whether it does.',
  tags: ['Policies'],
  ...IDEMPOTENT,
  request: {
    params: refParams('policy', 'Policy id or name.'),
    body: jsonBody(PolicyTest, {
      socket: 'grafana',
      identity: { email: 'alice@acme.dev' },
      action: { type: 'http' },
      ip: '203.0.113.7',
      time: '2026-11-26T09:30:00.000Z',
    }),
  },
  responses: {
    200: jsonResponse(PolicyTestResult, 'What this policy alone decides.'),
    ...errors(400, 401, 403, 404, 413, 415),
  },
});

const effectivePoliciesRoute = createRoute({
  method: 'get',
  path: '/sockets/{socket}/effective-policies',
  operationId: 'listEffectivePolicies',
  summary: 'List the policies that apply to a socket',
  description:
    'Org-wide policies, policies attached to the socket, and policies whose tag rules match its tags.',
  tags: ['Sockets'],
  request: { params: refParams('socket', 'Socket id or name.') },
  responses: {
    200: jsonResponse(EffectivePolicyList, 'Every policy that applies, and why.'),
    ...errors(401, 403, 404),
  },
});

/** Why a policy applies to a socket; undefined when it does not. */
function via(policy: PolicyInput, socket: { id: string; tags: Record<string, string> }) {
  if (policy.org_wide) return { via: 'org_wide' as const, tag_rule: null };
  if (policy.socket_ids.includes(socket.id)) return { via: 'attached' as const, tag_rule: null };
  const rule = policy.tag_rules.find((r) =>
    appliesToSocket(compilePolicy({ ...policy, tag_rules: [r] }), socket),
  );
  return rule ? { via: 'tag_rule' as const, tag_rule: rule } : undefined;
}

export function accessRoutes(services: Services) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(checkAccessRoute, async (c) => {
    const { orgId } = authorize(c, 'access:check');
    return c.json(AccessDecision.parse(await checkAccess(services, orgId, c.req.valid('json'))), 200);
  });

  app.openapi(testPolicyRoute, async (c) => {
    const { orgId } = authorize(c, 'access:check');
    const row = await findPolicy(services.db, orgId, c.req.valid('param').policy);
    const policy = toPolicyInput(
      row,
      (await attachedSockets(services.db, orgId, [row.id])).get(row.id) ?? [],
    );
    const body = c.req.valid('json');
    const decision = await checkAccess(services, orgId, body, policy);
    const socket = await findSocket(services.db, orgId, decision.socket.id);
    return c.json(
      PolicyTestResult.parse({ ...decision, applies_to_socket: via(policy, socket) !== undefined }),
      200,
    );
  });

  app.openapi(effectivePoliciesRoute, async (c) => {
    const { orgId } = authorize(c, 'policies:read');
    const socket = await findSocket(services.db, orgId, c.req.valid('param').socket);
    const items = (await loadPolicies(services.db, orgId)).flatMap(({ row, socketIds }) => {
      const reason = via(toPolicyInput(row, socketIds), socket);
      return reason ? [{ policy: policyToApi(row, socketIds), ...reason }] : [];
    });
    return c.json(EffectivePolicyList.parse({ items }), 200);
  });

  return app;
}
