/** The SCRAM-SHA-256 client against RFC 7677's example exchange, and against servers that lie. */
import { describe, expect, it } from 'vitest';
import { scramClient } from './scram.js';

// RFC 7677, section 3 (user "user", password "pencil").
const NONCE = 'rOprNGfwEbeRWgbNEkqO';
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

describe('scramClient', () => {
  it('computes the RFC 7677 proof and accepts the server’s signature', async () => {
    const client = scramClient('pencil', NONCE, 'user');
    expect(client.first).toBe(`n,,n=user,r=${NONCE}`);
    expect(await client.final(SERVER_FIRST)).toBe(CLIENT_FINAL);
    expect(() => client.verify(SERVER_FINAL)).not.toThrow();
  });

  it('refuses a server that does not know the password', async () => {
    const client = scramClient('pencil', NONCE, 'user');
    await client.final(SERVER_FIRST);
    expect(() => client.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(
      /does not know the password/,
    );
    expect(() => client.verify('e=invalid-proof')).toThrow(/refused: invalid-proof/);
  });

  it('refuses a server nonce that does not extend the client’s, and malformed first messages', async () => {
    await expect(
      scramClient('pencil', NONCE).final('r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
    ).rejects.toThrow(/nonce/);
    await expect(scramClient('pencil', NONCE).final(`r=${NONCE},s=abc,i=1`)).rejects.toThrow(/nonce/);
    await expect(scramClient('pencil', NONCE).final(`r=${NONCE}x,i=4096`)).rejects.toThrow(/malformed/);
    await expect(scramClient('pencil', NONCE).final(`r=${NONCE}x,s=abc,i=0`)).rejects.toThrow(/malformed/);
  });

  it('never verifies before the exchange', () => {
    expect(() => scramClient('pencil', NONCE).verify(SERVER_FINAL)).toThrow();
  });
});
