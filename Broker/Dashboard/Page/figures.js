// The broker panel: version, queue per state, storage, space saved (in total and per conversion type), conversions
// done and failed, and the conversions running now.
import { $, h } from './dom.js';
import { bytes, duration, saving, secondsBetween } from './format.js';

const running = new Map();

export function showFigures(stats) {
  $('#version').textContent = `version ${stats.version}`;
  const queue = stats.queue;
  const storage = stats.storage;
  const done = stats.converted;
  const rows = [
    ['To do', queue.to_do, 'to_do'], ['Converting', queue.in_progress, 'in_progress'],
    ['Finished', queue.finished_successful, 'finished_successful'], ['Failed', queue.finished_with_errors, 'finished_with_errors'],
    ['Storage used', bytes(storage.used_bytes)], ...keptRows(storage.kept), ['Free', bytes(storage.free_bytes)],
    ['Space saved', saving(done.input_bytes, done.output_bytes)],
    ['Conversions', `${done.done} done, ${done.failed} failed`],
    ['Threads', stats.number_of_conversion_threads],
    ['Types', stats.conversion_types.join(', ')],
  ];
  $('#figures').replaceChildren(...rows.flatMap(([name, value, state]) => [
    h('dt', {}, name), h('dd', { dataset: state ? { state, figure: name } : { figure: name } }, String(value)),
  ]));
  const perType = Object.entries(stats.by_conversion_type);
  $('#per-type tbody').replaceChildren(...(perType.length ? perType.map(([type, f]) => h('tr', {},
    h('td', {}, type), h('td', {}, f.done), h('td', {}, f.failed), h('td', {}, bytes(f.input_bytes)), h('td', {}, bytes(f.output_bytes)),
    h('td', {}, saving(f.input_bytes, f.output_bytes)))) : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'nothing finished yet'))]));
  if (stats.running) {
    running.clear();
    for (const conversion of stats.running) running.set(conversion.item_id, conversion);
    showRunning();
  }
}

// Why the item files are still on the broker (see keep_finished_hours and keep_failed_days), and how many items are
// down to their record; nothing from a broker that does not say.
function keptRows(kept) {
  if (!kept) return [];
  return [
    ['Kept to convert', bytes(kept.queued_bytes)], ['Kept until fetched', bytes(kept.awaiting_fetch_bytes)],
    ['Kept after fetch', bytes(kept.fetched_bytes)], ['Kept for a retry', bytes(kept.failed_bytes)],
    ['Files removed', `${kept.removed_items} items`],
  ];
}

// Item events keep the running list current between figures.
export function trackRunning(item) {
  if (item.status === 'in_progress') {
    running.set(item.item_id, {
      item_id: item.item_id, original_file_name: item.original_file_name, conversion_type: item.conversion_type,
      started_at: item.started_at, progress: item.progress, fps: item.fps, speed: item.speed, eta_seconds: item.eta_seconds,
    });
  } else if (!running.delete(item.item_id)) return;
  showRunning();
}

export function forgetRunning(itemId) {
  if (running.delete(itemId)) showRunning();
}

function showRunning() {
  const list = [...running.values()];
  $('#running').replaceChildren(...(list.length ? list.map((c) => h('li', { dataset: { itemId: c.item_id } },
    h('strong', {}, c.original_file_name), ' ', h('span', { class: 'muted' }, c.conversion_type), h('br'),
    `${Math.round((c.progress ?? 0) * 100)}% · ${duration(secondsBetween(c.started_at))} elapsed`,
    c.fps ? ` · ${c.fps.toFixed(0)} fps` : '', c.speed ? ` · ${c.speed.toFixed(2)}×` : '',
    c.eta_seconds !== null && c.eta_seconds !== undefined ? ` · ${duration(c.eta_seconds)} left` : '',
  )) : [h('li', { class: 'muted' }, 'nothing')]));
}
