// Hand in work: files dropped or chosen are uploaded through the broker's tus endpoint with tus-js-client, each with
// its own progress. An upload cut by a reload or a broker restart resumes: tus-js-client keeps its URL in
// localStorage, and choosing the same file again continues from the broker's offset.
import { askForToken, authorization } from './api.js';
import { $, h, toast } from './dom.js';
import { bytes } from './format.js';

const endpoint = new URL('api/uploads/', document.baseURI).href;

export function setUpHandIn() {
  const zone = $('#drop-zone');
  const input = $('#file-input');
  if (!window.tus?.isSupported) {
    zone.replaceChildren(h('p', { class: 'error' },
      'Uploads are not available: tus-js-client is missing from this build (run scripts/setup, then build again).'));
    return;
  }
  input.addEventListener('change', () => { uploadAll(input.files); input.value = ''; });
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    uploadAll(event.dataTransfer.files);
  });
  showUnfinished();
}

function uploadAll(files) {
  const conversionType = $('#conversion-type').value;
  for (const file of files) upload(file, conversionType);
}

function upload(file, conversionType) {
  const bar = h('progress', { max: 100, value: 0, 'aria-label': `upload of ${file.name}` });
  const note = h('span', { class: 'muted' }, 'starting…');
  const entry = h('li', { dataset: { fileName: file.name, state: 'uploading' } }, h('strong', {}, file.name), ' ', bar, ' ', note);
  $('#uploads').prepend(entry);
  const metadata = { filename: file.name };
  if (conversionType) metadata.conversion_type = conversionType;

  const upload = new window.tus.Upload(file, {
    endpoint,
    metadata,
    // Large chunks keep the broker's per-request work small; a cut costs at most one chunk.
    chunkSize: 16 * 1024 * 1024,
    // A broker restart takes a few seconds: keep trying for about a minute before giving up.
    retryDelays: [0, 1000, 2000, 3000, 5000, 10000, 10000, 15000, 15000],
    removeFingerprintOnSuccess: true,
    onBeforeRequest: (request) => {
      for (const [name, value] of Object.entries(authorization())) request.setHeader(name, value);
    },
    onShouldRetry: (error) => {
      const status = error.originalResponse?.getStatus();
      if (status === 401) return false;
      const again = !status || status === 409 || status === 423 || status === 429 || status >= 500;
      if (again) {
        entry.dataset.resumes = String(Number(entry.dataset.resumes ?? 0) + 1);
        note.textContent = 'connection lost; resuming…';
      }
      return again;
    },
    onProgress: (sent, total) => {
      bar.value = total ? Math.floor((sent / total) * 100) : 0;
      note.textContent = `${bytes(sent)} of ${bytes(total)}`;
    },
    onAfterResponse: (request, response) => {
      const itemId = response.getHeader('MediaBroker-Item-Id');
      if (itemId) entry.dataset.itemId = itemId;
      // A HEAD asks the broker where an earlier upload of this file stands: it goes on from there.
      if (request.getMethod() === 'HEAD' && response.getStatus() === 200) entry.dataset.resumedAt = response.getHeader('Upload-Offset');
    },
    onSuccess: () => {
      bar.value = 100;
      entry.dataset.state = 'done';
      note.textContent = entry.dataset.itemId ? `uploaded: item ${entry.dataset.itemId.slice(0, 8)}` : 'uploaded';
      showUnfinished();
    },
    onError: async (error) => {
      const status = error.originalResponse?.getStatus();
      if (status === 401) {
        await askForToken('Uploads need a token.');
        upload.start();
        return;
      }
      entry.dataset.state = 'failed';
      note.textContent = `failed: ${problemOf(error)}`;
      note.className = 'error';
      toast(`${file.name}: ${problemOf(error)}`);
      showUnfinished();
    },
  });
  upload.findPreviousUploads().then((previous) => {
    if (previous.length) {
      upload.resumeFromPreviousUpload(previous[0]);
      note.textContent = 'resuming…';
    }
    upload.start();
  });
}

// The broker's own words (problem+json detail) rather than tus-js-client's long technical message.
function problemOf(error) {
  const body = error.originalResponse?.getBody();
  try {
    const problem = JSON.parse(body);
    if (problem.detail) return problem.detail;
  } catch { /* not JSON */ }
  return error.message.split('\n')[0];
}

async function showUnfinished() {
  const storage = window.tus.defaultOptions.urlStorage;
  const all = storage ? await storage.findAllUploads() : [];
  const active = new Set([...document.querySelectorAll('#uploads li[data-state="uploading"]')].map((li) => li.dataset.fileName));
  const names = [...new Set(all.map((upload) => upload.metadata?.filename).filter((name) => name && !active.has(name)))];
  $('#unfinished').hidden = names.length === 0;
  $('#unfinished-list').replaceChildren(...names.map((name) => h('li', {}, name)));
}
