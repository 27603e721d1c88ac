// Talks to this broker's API: adds the token when one is kept, asks for one when the broker says 401, and turns
// problem+json answers into one-line errors.
import { $ } from './dom.js';

const tokenKey = 'mediabroker.token';
let asking = null;

export function token() { return sessionStorage.getItem(tokenKey); }

export function authorization() {
  const kept = token();
  return kept ? { Authorization: `Bearer ${kept}` } : {};
}

export function forgetToken() { sessionStorage.removeItem(tokenKey); }

export class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

// Asks for a token once, however many requests were refused meanwhile.
export function askForToken(reason) {
  asking ??= new Promise((resolve) => {
    const dialog = $('#token-dialog');
    const input = $('#token-input');
    $('#token-error').textContent = reason ?? '';
    input.value = '';
    dialog.addEventListener('close', () => {
      const value = input.value.trim();
      if (value) sessionStorage.setItem(tokenKey, value);
      asking = null;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
  return asking;
}

export async function api(path, options = {}) {
  for (;;) {
    const response = await fetch(path, { ...options, headers: { Accept: 'application/json', ...authorization(), ...(options.headers ?? {}) } });
    if (response.status === 401) {
      const detail = await problemDetail(response);
      await askForToken(token() ? `That token was refused: ${detail}` : '');
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, await problemDetail(response));
    if (response.status === 204) return null;
    return response.headers.get('Content-Type')?.includes('json') ? response.json() : response;
  }
}

async function problemDetail(response) {
  try {
    const problem = await response.json();
    return problem.detail ?? problem.title ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}
