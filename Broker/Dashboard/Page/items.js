// The items table: one server page at a time (newest first, filtered by state, client and name), kept current by
// item events, with the actions a row offers: download, copy a signed link, retry, delete.
import { api, authorization, token } from './api.js';
import { $, confirmDialog, h, toast } from './dom.js';
import { bytes, duration, saving, secondsBetween, time } from './format.js';

const pageSize = 50;
const rows = new Map(); // item id -> { item, row }
const cursors = [null]; // the "after" of each page shown so far; the last is the current page's
let nextAfter = null;
let loading = 0;

export function filters() {
  return { status: $('#state-filter').value, client: $('#client-filter').value, q: $('#search').value.trim() };
}

function matches(item) {
  const f = filters();
  return (!f.status || item.status === f.status) && (!f.client || item.client_id === f.client)
    && (!f.q || item.original_file_name.toLowerCase().includes(f.q.toLowerCase()));
}

export async function loadPage(after = cursors[cursors.length - 1]) {
  const f = filters();
  const query = new URLSearchParams({ order: 'newest', limit: String(pageSize) });
  if (f.status) query.set('status', f.status);
  if (f.client) query.set('client_id', f.client);
  if (f.q) query.set('q', f.q);
  if (after) query.set('after', after);
  const ticket = ++loading;
  const page = await api(`api/items?${query}`);
  if (ticket !== loading) return; // a newer load started meanwhile
  nextAfter = page.next_after ?? null;
  rows.clear();
  $('#item-table tbody').replaceChildren(...page.items.map((item) => place(item).row));
  showPager();
}

export function firstPage() {
  cursors.length = 1;
  return loadPage(null);
}

export function olderPage() {
  if (!nextAfter) return Promise.resolve();
  cursors.push(nextAfter);
  return loadPage(nextAfter);
}

export function newerPage() {
  if (cursors.length > 1) cursors.pop();
  return loadPage(cursors[cursors.length - 1]);
}

function showPager() {
  const onFirst = cursors.length === 1;
  $('#newer').disabled = onFirst;
  $('#older').disabled = !nextAfter;
  $('#page-info').textContent = `page ${cursors.length}`;
  $('#no-items').hidden = rows.size > 0;
}

// An item event: update its row, add it on top of the first page when it is new and matches, drop it when it no longer matches.
export function itemChanged(item) {
  const shown = rows.get(item.item_id);
  if (shown) {
    if (!matches(item)) { shown.row.remove(); rows.delete(item.item_id); showPager(); return; }
    const fresh = render(item, shown.thumbnail);
    shown.row.replaceWith(fresh.row);
    rows.set(item.item_id, fresh);
    return;
  }
  if (cursors.length !== 1 || !matches(item)) return;
  const body = $('#item-table tbody');
  body.prepend(place(item).row);
  if (rows.size > pageSize) {
    while (rows.size > pageSize) {
      rows.delete(body.lastElementChild.dataset.itemId);
      body.lastElementChild.remove();
    }
    nextAfter = body.lastElementChild.dataset.itemId; // the next page starts after the last row shown
  }
  showPager();
}

export function itemDeleted(itemId) {
  const shown = rows.get(itemId);
  if (!shown) return;
  shown.row.remove();
  rows.delete(itemId);
  showPager();
}

function place(item) {
  const shown = render(item, null);
  rows.set(item.item_id, shown);
  return shown;
}

function render(item, thumbnail) {
  thumbnail ??= thumbnailOf(item);
  const row = h('tr', { dataset: { itemId: item.item_id, status: item.status, version: item.version } },
    h('td', { class: 'thumb' }, thumbnail),
    h('td', { class: 'name' },
      h('span', { class: 'file-name', title: item.original_file_name }, item.original_file_name),
      h('small', { class: 'muted' }, `${item.item_id.slice(0, 8)} · ${item.client_id}`)),
    h('td', { 'data-label': 'Type' }, item.conversion_type),
    h('td', { class: 'state', 'data-label': 'State' }, stateOf(item)),
    h('td', { class: 'sizes', 'data-label': 'Size' },
      bytes(item.file_size),
      item.output ? [' → ', bytes(item.output.file_size), h('br'), h('span', { class: 'saved' }, `saved ${saving(item.file_size, item.output.file_size)}`)] : ''),
    h('td', { class: 'times', 'data-label': 'Times' }, timesOf(item)),
    h('td', { class: 'actions' }, actionsOf(item)));
  return { item, row, thumbnail };
}

function stateOf(item) {
  const parts = [h('span', { class: 'badge', dataset: { status: item.status } }, item.status)];
  if (item.phase === 'downloading') parts.push(...downloadOf(item));
  if (item.status === 'in_progress') {
    const percent = Math.round((item.progress ?? 0) * 100);
    parts.push(h('progress', { max: 100, value: percent, 'aria-label': `${percent}% converted` }),
      h('small', { class: 'live' }, [`${percent}%`, item.fps ? ` · ${item.fps.toFixed(0)} fps` : '',
        item.eta_seconds !== null && item.eta_seconds !== undefined ? ` · ${duration(item.eta_seconds)} left` : ''].join('')));
  }
  if (item.status === 'finished_with_errors' && item.errors?.length) {
    parts.push(h('details', { class: 'errors' }, h('summary', {}, item.errors[0].split('\n')[0]),
      h('pre', {}, item.errors.join('\n\n'))));
  }
  // Where the output went for Plex or Jellyfin (library_path), or why it could not.
  if (item.library?.path) {
    parts.push(h('small', { class: 'library', title: item.library.hard_linked ? 'hard link' : 'copy' }, `library: ${item.library.path}`));
  } else if (item.library?.problem) {
    parts.push(h('small', { class: 'library muted', title: item.library.problem }, 'not in the library'));
  }
  return parts;
}

// A link the broker is fetching: a bar when the size is known, the bytes so far, the rate and the time left.
function downloadOf(item) {
  const d = item.download;
  if (!d) return [h('small', { class: 'live fetching' }, 'downloading: waiting for a free slot')];
  const percent = d.total_bytes ? Math.round((d.bytes / d.total_bytes) * 100) : null;
  const text = [`downloading ${bytes(d.bytes)}`, d.total_bytes ? ` of ${bytes(d.total_bytes)}` : '',
    d.bytes_per_second ? ` · ${bytes(d.bytes_per_second)}/s` : '',
    d.eta_seconds !== null && d.eta_seconds !== undefined ? ` · ${duration(d.eta_seconds)} left` : ''].join('');
  return [percent === null ? h('progress', { 'aria-label': 'downloading' }) : h('progress', { max: 100, value: percent, 'aria-label': `${percent}% downloaded` }),
    h('small', { class: 'live fetching' }, text)];
}

function timesOf(item) {
  const waiting = secondsBetween(item.queued_at, item.started_at);
  const converting = item.started_at ? secondsBetween(item.started_at, item.finished_at) : null;
  return [
    h('span', {}, `created ${time(item.created_at)}`),
    item.finished_at ? [h('br'), h('span', {}, `finished ${time(item.finished_at)}`)] : '',
    h('br'),
    h('small', { class: 'muted' }, `waited ${duration(waiting)}`, converting !== null ? ` · converted in ${duration(converting)}` : ''),
  ];
}

function actionsOf(item) {
  const buttons = [];
  if (item.status === 'finished_successful') {
    buttons.push(h('button', { type: 'button', class: 'download', onclick: () => download(item) }, 'Download'));
    buttons.push(h('button', { type: 'button', class: 'copy-link', onclick: () => copyLink(item) }, 'Copy link'));
  }
  if (item.status === 'finished_with_errors') {
    buttons.push(h('button', { type: 'button', class: 'retry', onclick: () => retry(item) }, 'Retry'));
  }
  buttons.push(h('button', { type: 'button', class: 'delete danger', onclick: () => remove(item) }, 'Delete'));
  return buttons;
}

// Thumbnails need the token too, so with one they are fetched and shown from memory.
function thumbnailOf(item) {
  const image = h('img', { alt: '', width: 64, height: 64, decoding: 'async' });
  const url = `api/items/${item.item_id}/thumbnail?w=128&h=128`;
  image.addEventListener('error', () => { image.style.visibility = 'hidden'; }, { once: true });
  if (!token()) { image.src = url; return image; }
  fetch(url, { headers: authorization() })
    .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
    .then((blob) => { image.src = URL.createObjectURL(blob); })
    .catch(() => { image.style.visibility = 'hidden'; });
  return image;
}

async function signedLink(item) {
  const link = await api(`api/items/${item.item_id}/link`, { method: 'POST' });
  return link.url;
}

async function download(item) {
  try {
    const url = await signedLink(item);
    const anchor = h('a', { href: url, download: item.output.file_name, hidden: true });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
  } catch (error) {
    toast(`Download failed: ${error.message}`);
  }
}

async function copyLink(item) {
  try {
    const url = await signedLink(item);
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied; it works without a token for 24 hours.', 'info');
    } catch {
      // The clipboard needs a secure context (https or localhost): show the link to copy by hand.
      $('#link-note').textContent = 'Copy this link; it works without a token for 24 hours.';
      $('#link-text').value = url;
      $('#link-dialog').showModal();
      $('#link-text').select();
    }
  } catch (error) {
    toast(`No link: ${error.message}`);
  }
}

async function retry(item) {
  try {
    itemChanged(await api(`api/items/${item.item_id}/retry`, { method: 'POST' }));
  } catch (error) {
    toast(`Retry failed: ${error.message}`);
  }
}

async function remove(item) {
  const running = item.status === 'in_progress' ? ' Its conversion is stopped.' : '';
  if (!await confirmDialog(`Delete ${item.original_file_name} and all its files from this broker?${running}`, 'Delete')) return;
  try {
    await api(`api/items/${item.item_id}`, { method: 'DELETE' });
    itemDeleted(item.item_id);
    toast(`Deleted ${item.original_file_name}`, 'info');
  } catch (error) {
    toast(`Delete failed: ${error.message}`);
  }
}
