/**
 * The soak test's attacker, a process of its own (forked by soak.ts, so that its work never delays the
 * measuring process): holds a number of hostile connections to one proxy, spread over the client addresses
 * 127.0.1.1 to 127.0.1.N (all of 127.0.0.0/8 is this machine on Linux). Each connection is one slot's: when
 * the proxy closes it, the slot opens another of its kind after a pause. Connections that hold on, one slot
 * in five each (`holding` slots, reopened after about 100 ms):
 *
 *   silent            TCP connect, then nothing
 *   half-hello        half a real ClientHello, then nothing
 *   record-header     a TLS record header announcing 512 bytes, then nothing
 *   slow-hello        a real ClientHello, one byte a second
 *   logged-in-silent  a full handshake with a valid client certificate, then never a byte of SSH
 *
 * and connections the proxy ends at once, one slot in three each (`churning` slots, reopened after about
 * `reconnectMs`):
 *
 *   garbage           512 random bytes
 *   unknown-sni       a full handshake for a made-up socket name (`x<random>-<org>.<base domain>`)
 *   no-certificate    a full handshake to the real socket without a client certificate (refused)
 *
 * Messages: in, one `Plan`, then `stop`; out, a `Tally` every second.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { CLIENT_ALPN } from '@border0/protocol';

const HOLDING = ['silent', 'half-hello', 'record-header', 'slow-hello', 'logged-in-silent'] as const;
const CHURNING = ['garbage', 'unknown-sni', 'no-certificate'] as const;
type Kind = (typeof HOLDING)[number] | (typeof CHURNING)[number];
const HOLDING_PAUSE_MS = 100;

export interface Plan {
  port: number;
  /** The real socket's name, `<socket>-<org>.<base domain>`. */
  dnsname: string;
  credentials: { key: string; cert: string };
  holding: number;
  churning: number;
  addresses: number;
  /** Pause before a churning slot opens its next connection (0.5 to 1.5 times this, at random). */
  reconnectMs: number;
  /** Slots start at random within this time. */
  rampMs: number;
}

export interface Tally {
  /** Connections open (or connecting) now. */
  open: number;
  /** Connections opened so far. */
  opened: number;
  /** Connections refused or reset before they were up. */
  refused: number;
  /** Per kind: how long its connections lived, median and longest of the last 1,000 (ms). */
  lifetimes: Record<string, { median: number; max: number; count: number }>;
}

const live = new Set<Socket>();
const lifetimes = new Map<Kind, number[]>();
const tally = { open: 0, opened: 0, refused: 0 };
let stopping = false;

/** The bytes of a real ClientHello for `servername`, captured from Node's own TLS client. */
function clientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createServer((socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (bytes.length < 5 || bytes.length < 5 + bytes.readUInt16BE(3)) return;
        socket.destroy();
        server.close();
        resolve(bytes.subarray(0, 5 + bytes.readUInt16BE(3)));
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }).on('error', () => {});
    });
  });
}

/** Opens one connection of `kind`; resolves when it is closed (by the proxy, mostly). */
function connectOnce(plan: Plan, hello: Buffer, kind: Kind, localAddress: string): Promise<void> {
  const [, org, ...domain] = /^[^.]+-([^-.]+)\.(.+)$/.exec(plan.dnsname) ?? [];
  const tcp = tcpConnect({ host: '127.0.0.1', port: plan.port, localAddress });
  let up = false;
  tcp.once('connect', () => {
    up = true;
  });
  const tls = (servername: string, withCertificate: boolean) => {
    const socket = tlsConnect({
      socket: tcp,
      servername,
      rejectUnauthorized: false,
      ALPNProtocols: [CLIENT_ALPN],
      ...(withCertificate && plan.credentials),
    });
    socket.on('error', () => {});
    // Read (and drop) what comes: a status line, an alert, the end.
    socket.resume();
    return socket;
  };
  let socket: Socket = tcp;
  let drip: NodeJS.Timeout | undefined;
  switch (kind) {
    case 'unknown-sni':
      socket = tls(`x${randomBytes(6).toString('hex')}-${org}.${domain.join('.')}`, false);
      break;
    case 'no-certificate':
      socket = tls(plan.dnsname, false);
      break;
    case 'logged-in-silent':
      socket = tls(plan.dnsname, true);
      break;
    default:
      tcp.once('connect', () => {
        if (kind === 'half-hello') tcp.write(hello.subarray(0, hello.length >> 1));
        else if (kind === 'record-header') tcp.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
        else if (kind === 'garbage') tcp.write(randomBytes(512));
        else if (kind === 'slow-hello') {
          let sent = 0;
          drip = setInterval(() => {
            if (sent < hello.length) tcp.write(hello.subarray(sent, ++sent));
          }, 1000);
        }
      });
      tcp.resume();
  }
  tcp.on('error', () => {});
  live.add(socket);
  tally.open++;
  tally.opened++;
  const started = performance.now();
  return new Promise((resolve) => {
    tcp.once('close', () => {
      clearInterval(drip);
      live.delete(socket);
      tally.open--;
      if (!up) tally.refused++;
      else {
        const times = lifetimes.get(kind) ?? [];
        times.push(performance.now() - started);
        if (times.length > 1000) times.shift();
        lifetimes.set(kind, times);
      }
      resolve();
    });
  });
}

async function runSlot(plan: Plan, hello: Buffer, index: number): Promise<void> {
  const holds = index < plan.holding;
  const kind = holds ? HOLDING[index % HOLDING.length]! : CHURNING[index % CHURNING.length]!;
  const pauseMs = holds ? HOLDING_PAUSE_MS : plan.reconnectMs;
  const localAddress = `127.0.1.${1 + (index % plan.addresses)}`;
  await new Promise((resolve) => setTimeout(resolve, Math.random() * plan.rampMs));
  while (!stopping) {
    await connectOnce(plan, hello, kind, localAddress);
    if (stopping) break;
    await new Promise((resolve) => setTimeout(resolve, pauseMs * (0.5 + Math.random())));
  }
}

function report(): Tally {
  const summary: Tally['lifetimes'] = {};
  for (const [kind, times] of lifetimes) {
    const sorted = [...times].sort((a, b) => a - b);
    summary[kind] = { median: sorted[sorted.length >> 1]!, max: sorted.at(-1)!, count: sorted.length };
  }
  return { ...tally, lifetimes: summary };
}

process.on('message', (message: { plan?: Plan; stop?: true }) => {
  if (message.plan) {
    const plan = message.plan;
    void clientHello(plan.dnsname).then((hello) => {
      for (let i = 0; i < plan.holding + plan.churning; i++) void runSlot(plan, hello, i);
    });
    setInterval(() => process.send!(report()), 1000).unref();
  }
  if (message.stop) {
    stopping = true;
    for (const socket of live) socket.destroy();
    process.send!(report(), () => process.exit(0));
  }
});
process.once('disconnect', () => process.exit(0));
