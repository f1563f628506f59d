/**
 * The shared cast of tunnel tests: certificates, the control plane's answer to connector tokens (an
 * in-memory table behind the real `authenticateConnector` seam), and real upstreams by socket dnsname.
 */
import type { ConnectorGrant } from '@border0/proxies';
import type { Upstream as UpstreamAddress } from '../../src/index.js';
import { createTestPki, type TestPki } from './test-pki.js';
import {
  refusedPort,
  startAnswerAfterEofUpstream,
  startClosesFirstUpstream,
  startEchoUpstream,
  startPayloadUpstream,
  type Upstream,
} from './upstreams.js';

export const ECHO = 'echo-acme.border0.test';
export const PAYLOAD = 'payload-acme.border0.test';
export const REFUSED = 'refused-acme.border0.test';
/** Answers only after the client's EOF. */
export const ANSWERS = 'answers-acme.border0.test';
/** Ends its sending side first, then reads on. */
export const CLOSES = 'closes-acme.border0.test';
export const ANSWER_BYTES = 5 * 1024 * 1024;
/** A socket that exists but is not granted to the connector. */
export const FORBIDDEN = 'forbidden-acme.border0.test';
export const TOKEN = 'b0c_test_connector_token';
export const PAYLOAD_BYTES = 20 * 1024 * 1024;

export interface World {
  pki: TestPki;
  grants: Map<string, ConnectorGrant>;
  echo: Upstream;
  payload: Upstream & { sha256: string };
  answers: Upstream & { sha256: string; requests: string[] };
  closes: Upstream & { received: string[] };
  resolveUpstream: (dnsname: string) => UpstreamAddress | undefined;
  close: () => Promise<void>;
}

export async function createWorld(): Promise<World> {
  const [pki, echo, payload, refused, answers, closes] = await Promise.all([
    createTestPki(),
    startEchoUpstream(),
    startPayloadUpstream(PAYLOAD_BYTES),
    refusedPort(),
    startAnswerAfterEofUpstream(ANSWER_BYTES),
    startClosesFirstUpstream(),
  ]);
  const grants = new Map<string, ConnectorGrant>([
    [
      TOKEN,
      {
        connectorId: 'connector-1',
        organizationId: 'acme',
        sockets: [
          { id: 'socket-echo', dnsname: ECHO },
          { id: 'socket-payload', dnsname: PAYLOAD },
          { id: 'socket-refused', dnsname: REFUSED },
          { id: 'socket-answers', dnsname: ANSWERS },
          { id: 'socket-closes', dnsname: CLOSES },
        ],
      },
    ],
  ]);
  const ports = new Map([
    [ECHO, echo.port],
    [PAYLOAD, payload.port],
    [REFUSED, refused],
    [ANSWERS, answers.port],
    [CLOSES, closes.port],
    [FORBIDDEN, echo.port],
  ]);
  const resolveUpstream = (dnsname: string) => {
    const port = ports.get(dnsname);
    return port === undefined ? undefined : { host: '127.0.0.1', port };
  };
  return {
    pki,
    grants,
    echo,
    payload,
    answers,
    closes,
    resolveUpstream,
    close: async () => {
      await Promise.all([echo.close(), payload.close(), answers.close(), closes.close()]);
    },
  };
}
