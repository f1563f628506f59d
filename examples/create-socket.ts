/**
 * Publishes a local web app as an HTTP socket and lists the organization's sockets, through @border0/sdk.
 *
 *   BORDER0_API_URL=http://127.0.0.1:6080 BORDER0_TOKEN=$(cat .border0/data/admin-token) \
 *     pnpm --filter @border0/examples exec tsx create-socket.ts web http://127.0.0.1:3000
 */
import { Border0Error, createClient } from '@border0/sdk';

const [name = 'web', upstream = 'http://127.0.0.1:3000'] = process.argv.slice(2);
const url = new URL(upstream);
const b0 = createClient(); // BORDER0_API_URL and BORDER0_TOKEN

try {
  const socket = await b0.post('/api/v1/sockets', {
    body: {
      name,
      socket_type: 'http',
      tags: { created_by: 'example' },
      upstream_configuration: {
        type: 'http',
        scheme: url.protocol === 'https:' ? 'https' : 'http',
        hostname: url.hostname,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      },
    },
  });
  console.log(`created ${socket.name}: ${socket.dnsname}`);
} catch (error) {
  // A socket of that name may already exist: say so and carry on listing.
  if (!(error instanceof Border0Error && error.status === 409)) throw error;
  console.log(`${name} already exists`);
}

for await (const socket of b0.paginate('/api/v1/sockets')) {
  console.log(`${socket.name}\t${socket.socket_type}\t${socket.dnsname}`);
}
