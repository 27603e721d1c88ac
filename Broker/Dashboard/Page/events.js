// Follows GET /api/events: server-sent events read with fetch (EventSource cannot send a token), reconnecting by
// itself with Last-Event-ID so that what happened while it was away arrives on reconnect.
import { askForToken, authorization, token } from './api.js';

// The broker sends a heartbeat every 15 s; three missed mean the connection is dead even if no error says so.
const silenceLimitMs = 45000;

export function followEvents({ onEvent, onState }) {
  let lastEventId = null;
  let retryMs = 2000;

  async function connectOnce() {
    const controller = new AbortController();
    let watchdog = 0;
    const feed = () => { clearTimeout(watchdog); watchdog = setTimeout(() => controller.abort(), silenceLimitMs); };
    try {
      const headers = { Accept: 'text/event-stream', ...authorization() };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      feed();
      const response = await fetch('api/events', { headers, cache: 'no-store', signal: controller.signal });
      if (response.status === 401) {
        clearTimeout(watchdog);
        await askForToken(token() ? 'That token was refused.' : '');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`${response.status}`);
      onState('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed();
        buffer += value.replaceAll('\r\n', '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parse(block);
          if (event.retry) retryMs = event.retry;
          if (event.id) lastEventId = event.id;
          if (event.data !== undefined) onEvent(event.type, JSON.parse(event.data));
        }
      }
    } catch {
      // refused, cut or silent: reconnect below
    } finally {
      clearTimeout(watchdog);
    }
    onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }

  (async () => { for (;;) await connectOnce(); })();
}

// One event block: "field: value" lines; a line starting with ':' is a comment (the heartbeat).
function parse(block) {
  const event = { type: 'message' };
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event.type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') event.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) event.retry = Number(value);
  }
  if (data.length) event.data = data.join('\n');
  return event;
}
