/**
 * The login of a client on an ssh socket: the name it asked for at its first authentication request, the name
 * the upstream session runs as (the client's pick when the socket lets it pick one, else the socket's own),
 * and the policies' decisions, which judge every action with the client's pick when it picks.
 */
import type { AccessAction, Decision } from '@border0/sdk/policy';

/** An ssh action as a channel asks it; the login name is added when the socket lets the client pick it. */
export type SshAction = AccessAction extends infer A
  ? A extends { type: 'ssh' }
    ? Omit<A, 'type' | 'username'>
    : never
  : never;

export class SshLogin {
  #asked: string | undefined;
  #refusal: string | undefined;
  /** The socket lets the client pick the name (`username_provider: prompt_client`). */
  readonly clientPicks: boolean;
  readonly #socketName: string | undefined;
  readonly #decide: (action: AccessAction) => Promise<Decision>;

  constructor(upstreamConfiguration: unknown, decide: (action: AccessAction) => Promise<Decision>) {
    const config = upstreamConfiguration as { username_provider?: string; username?: string };
    this.clientPicks = config.username_provider === 'prompt_client';
    this.#socketName = config.username;
    this.#decide = decide;
  }

  /** The first name the client asked for; later attempts on the same connection do not change it. */
  get asked(): string | undefined {
    return this.#asked;
  }

  ask(name: string): void {
    if (this.#asked === undefined) this.#asked = name;
  }

  /** The name the upstream session runs as. */
  get upstream(): string | undefined {
    return this.clientPicks ? this.#asked : this.#socketName;
  }

  /** Why this client may do nothing here (a login name no policy allows), once judged so; set once. */
  get refusal(): string | undefined {
    return this.#refusal;
  }

  /** Decides an action of this client with the organization's current policies. */
  decide(request: SshAction): Promise<Decision> {
    return this.#decide({
      type: 'ssh',
      ...request,
      ...(this.clientPicks && this.#asked !== undefined && { username: this.#asked }),
    } as AccessAction);
  }

  /** Judges the name the client picked, once it is logged in: a refusal holds for the rest of the connection. */
  async judge(): Promise<string | undefined> {
    if (!this.clientPicks) return undefined;
    const decision = await this.decide({ kind: 'connect' });
    if (!decision.allowed) this.#refusal = decision.reason;
    return this.#refusal;
  }
}
