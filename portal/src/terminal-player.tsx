/**
 * An SSH session's terminal, in asciinema-player (bundled, nothing from a CDN): a finished recording replays
 * with seeking; a live one is followed as it is written (`?follow=true` keeps the response open and carries
 * each chunk as the proxy uploads it). The player draws terminal output as characters in its own emulator
 * (text nodes and a canvas): a recording's bytes never become markup in the page. The player (and its
 * WebAssembly terminal) loads with the first recording shown, not with every page.
 */
import type { Player } from 'asciinema-player';
import { useEffect, useRef, useState } from 'react';
import { api, describeError } from './api.js';

type Dispatch = (event: string, data?: unknown) => void;
type Timing = { time: number | null; rate: number; sampledAt: number };

const recordingPath = '/api/v1/sessions/{session_id}/recordings/{recording_id}' as const;

/**
 * A player driver that follows a live recording: asciicast v2 lines as they arrive, the header resetting the
 * terminal to its size and each output event written at once. Ends when the server ends the response.
 */
function liveDriver(sessionId: string, recordingId: string, onEnd: () => void) {
  return ({ dispatch }: { dispatch: Dispatch }) => {
    const abort = new AbortController();
    const started = performance.now();
    let playing = false;
    const timing = (): Timing => ({
      time: playing ? (performance.now() - started) / 1000 : null,
      rate: playing ? 1 : 0,
      sampledAt: performance.timeOrigin + performance.now(),
    });
    const handle = (line: string) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return; // A line cut short: the rest still plays.
      }
      if (Array.isArray(value)) {
        const [, code, data] = value as [number, string, unknown];
        if (code === 'o' && typeof data === 'string') dispatch('output', data);
        if (code === 'r' && typeof data === 'string') {
          const [cols, rows] = data.split('x').map(Number);
          if (cols && rows) dispatch('resize', { cols, rows });
        }
      } else if (value && typeof value === 'object') {
        const header = value as { width?: number; height?: number };
        dispatch('reset', { size: { cols: header.width ?? 80, rows: header.height ?? 24 } });
        playing = true;
        dispatch('playing');
        dispatch('timing', timing());
      }
    };
    const read = async () => {
      const { data } = await api.raw.GET(recordingPath, {
        params: { path: { session_id: sessionId, recording_id: recordingId }, query: { follow: 'true' } },
        parseAs: 'stream',
        signal: abort.signal,
      });
      const reader = (data as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) handle(line);
      }
      handle(buffer);
    };
    return {
      play() {
        dispatch('play');
        read().then(
          () => {
            playing = false;
            dispatch('ended', { message: 'The session ended' });
            onEnd();
          },
          () => {
            if (!abort.signal.aborted) dispatch('offline', { message: 'The live stream broke' });
          },
        );
        return true;
      },
      stop: () => abort.abort(),
      getTiming: timing,
    };
  };
}

export function TerminalPlayer(props: { sessionId: string; recordingId: string; live: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();
  const [ended, setEnded] = useState(false);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    let player: Player | undefined;
    let disposed = false;
    const options = { fit: 'width' as const, terminalFontSize: 'small', idleTimeLimit: 2 };
    const show = async () => {
      const [AsciinemaPlayer] = await Promise.all([
        import('asciinema-player'),
        import('asciinema-player/dist/bundle/asciinema-player.css'),
      ]);
      if (props.live) {
        if (disposed) return;
        const driver = liveDriver(props.sessionId, props.recordingId, () => setEnded(true));
        player = AsciinemaPlayer.create(driver as never, element, {
          ...options,
          autoPlay: true,
          controls: false,
        });
        return;
      }
      const { data } = await api.raw.GET(recordingPath, {
        params: { path: { session_id: props.sessionId, recording_id: props.recordingId } },
        parseAs: 'text',
      });
      if (disposed) return;
      player = AsciinemaPlayer.create({ data: String(data ?? '') }, element, {
        ...options,
        preload: true,
        controls: true,
      });
    };
    show().catch((caught: unknown) => setError(caught));
    return () => {
      disposed = true;
      player?.dispose();
    };
  }, [props.sessionId, props.recordingId, props.live]);
  return (
    <figure className="player">
      <figcaption>
        {props.live ? (ended ? 'Terminal (the session ended)' : 'Terminal, live') : 'Terminal recording'}
      </figcaption>
      {error === undefined ? null : (
        <p className="error" role="alert">
          Could not load the recording. {describeError(error)}
        </p>
      )}
      <div ref={host} data-testid="terminal-player" />
    </figure>
  );
}
