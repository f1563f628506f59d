/**
 * The sshd fixture lives in @border0/testing. This re-export stays only for proxies/src/ssh/certificate-key.test.ts,
 * which is being reworked on another branch: it goes once that test imports '@border0/testing' itself.
 */
export { SSHD_TEST_PASSWORD, SSHD_TEST_USER, type Sshd, type SshdOptions, startSshd } from '@border0/testing';
