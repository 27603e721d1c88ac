// How figures read on the page: sizes, durations, times, savings.

const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function bytes(count) {
  if (count === null || count === undefined || count < 0) return '–';
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  return h < 48 ? `${h} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function time(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

export function secondsBetween(fromIso, toIso) {
  if (!fromIso) return null;
  const to = toIso ? Date.parse(toIso) : Date.now();
  return Math.max(0, (to - Date.parse(fromIso)) / 1000);
}

// "1.2 GB (64%)": what the output saves against its input.
export function saving(input, output) {
  if (!(input > 0) || output === null || output === undefined || output < 0) return '–';
  const saved = input - output;
  const percent = Math.round((saved / input) * 100);
  return saved >= 0 ? `${bytes(saved)} (${percent}%)` : `+${bytes(-saved)} (larger)`;
}

export function count(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
