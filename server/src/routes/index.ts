/** Every resource router of /api/v1, in the order the reference lists them. */
import type { Services } from '../services.js';
import { organizationRoutes } from './organizations.js';
import { socketRoutes } from './sockets.js';

export function apiRouters(services: Services) {
  return [organizationRoutes(services), socketRoutes(services)];
}
