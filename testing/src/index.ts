/**
 * @border0/testing: what the suites of every package share. Real parts only: a real sshd, the real PostgreSQL
 * and MariaDB servers, the real `border0` binary. Private to the workspace; import it by package name.
 */
export { BIN, border0, type CliResult, ROOT } from './border0-cli.js';
export { cutBytes } from './cut-bytes.js';
export { clientListener, daemon } from './daemon.js';
export { type Dockerd, startDockerd } from './dockerd.js';
export { type EventuallyOptions, eventually, waitUntil } from './eventually.js';
export { freePort } from './free-port.js';
export { createMariaDbDatabase, MARIADB_ADMIN_URL } from './mariadb.js';
export { startTestCiIssuer, type TestCiIssuer } from './oidc-ci-issuer.js';
export { startTestIdp, type TestIdp, type TestIdpUser } from './oidc-idp.js';
export { approveDevice, personLogin } from './person-login.js';
export { type Platform, type PlatformBinary, startPlatform } from './platform.js';
export { createPostgresDatabase, POSTGRES_ADMIN_URL } from './postgres.js';
export { CLUSTER_PASSWORDS, type PostgresCluster, startPostgresCluster } from './postgres-cluster.js';
export { runPythonDbApi } from './python-db-api.js';
export {
  SSHD_TEST_PASSWORD,
  SSHD_TEST_USER,
  type Sshd,
  type SshdOptions,
  startSshd,
} from './sshd.js';
export { stopChild } from './stop-child.js';
export { startTcpRelay, type TcpRelay } from './tcp-relay.js';
export { tempDir } from './temp-dir.js';
export type { ThrowawayDatabase } from './throwaway-database.js';
