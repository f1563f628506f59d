/** An interactive SSH session for measurements: OpenSSH `ssh -tt` inside `script` (a pty), running `cat`. */
import { type ChildProcess, spawn } from 'node:child_process';
import { waitUntil } from '@border0/testing';
import { killGroup, quote } from './process-control.js';

/** bash turns bracketed paste on around its prompt. */
const BRACKETED_PASTE_ON = '\u001b[?2004h';

/** An interactive shell through the proxy running `cat`: each keystroke is timed until its echo. */
export class LiveTerminal {
  #screen = '';
  #onOutput = () => {};
  #closing: Promise<void> | undefined;
  readonly #script: ChildProcess;
  readonly #exited: Promise<void>;

  /** `host` through the OpenSSH config `sshConfig`. */
  constructor(sshConfig: string, host: string) {
    const command = ['exec', 'ssh', '-F', sshConfig, '-tt', host].map(quote).join(' ');
    this.#script = spawn('script', ['-qfec', `stty cols 80 rows 24; ${command}`, '/dev/null'], {
      detached: true,
      env: { ...process.env, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#script.stdout!.on('data', (chunk: Buffer) => {
      this.#screen += chunk.toString('latin1');
      this.#onOutput();
    });
    this.#script.stderr!.on('data', (chunk: Buffer) => {
      this.#screen += chunk.toString('latin1');
    });
    this.#exited = new Promise((resolve) => this.#script.once('close', () => resolve()));
  }

  async start(): Promise<void> {
    await waitUntil(() => /\$ $/.test(this.#screen.replaceAll(BRACKETED_PASTE_ON, '')), 30_000, 'the prompt');
    // The quotes keep the typed line from matching; bash restores the tty (cooked, echo) before running it.
    this.#script.stdin!.write('echo RE""ADY; exec cat\r');
    await waitUntil(() => /READY\r?\n/.test(this.#screen), 10_000, 'cat to start');
  }

  /** Milliseconds from writing one character to reading its echo. */
  async keystroke(index: number): Promise<number> {
    const char = String.fromCharCode(97 + (index % 26));
    const mark = this.#screen.length;
    const echoed = new Promise<bigint>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no echo of a keystroke in 10 s`)), 10_000);
      this.#onOutput = () => {
        if (this.#screen.indexOf(char, mark) === -1) return;
        clearTimeout(timer);
        this.#onOutput = () => {};
        resolve(process.hrtime.bigint());
      };
    });
    const start = process.hrtime.bigint();
    this.#script.stdin!.write(char);
    const end = await echoed;
    // The screen only needs to hold what comes next.
    if (this.#screen.length > 4096) this.#screen = this.#screen.slice(-64);
    return Number(end - start) / 1e6;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Ctrl+C ends cat, which is the session's shell: ssh, then script exit.
      this.#script.stdin!.write('\x03');
      const timer = setTimeout(() => killGroup(this.#script), 10_000);
      await this.#exited;
      clearTimeout(timer);
    })();
    return this.#closing;
  }
}
