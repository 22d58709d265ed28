/**
 * Server-sent events over fetch(). EventSource cannot send an Authorization header, and a token in the
 * URL would end up in access logs, so the portal reads text/event-stream from a fetch() body instead.
 * The parser follows the HTML standard's event-stream rules: lines `event:`, `data:` (joined with \n),
 * comments starting with `:`, and a blank line dispatching the event.
 */

export interface SseEvent {
  event: string;
  data: string;
}

/** Feeds chunks of text; calls `onEvent` for each complete event. Keeps partial lines between chunks. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const eolLength = this.buffer.startsWith('\r\n', nl) ? 2 : 1;
      this.buffer = this.buffer.slice(nl + eolLength);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/**
 * Reads an event stream until it ends or `signal` aborts. Resolves when the server closes the stream;
 * rejects on network errors (the caller decides whether to reconnect).
 */
export async function readEventStream(res: Response, onEvent: (e: SseEvent) => void, signal: AbortSignal): Promise<void> {
  if (!res.body) throw new Error('the response has no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(onEvent);
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
