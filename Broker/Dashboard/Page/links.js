// Hand in a link: the broker fetches it itself (POST /api/items with a JSON body); the item's row then shows the
// download, and the conversion after it, like any other item.
import { api } from './api.js';
import { $ } from './dom.js';

export function setUpLinks() {
  const form = $('#link-form');
  const url = $('#link-url');
  const result = $('#link-result');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { url: url.value.trim() };
    const conversionType = $('#conversion-type').value;
    if (conversionType) body.conversion_type = conversionType;
    const directory = $('#link-dir').value.trim();
    if (directory) body.directory = directory;
    try {
      const item = await api('api/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      result.className = 'muted';
      result.dataset.itemId = item.item_id;
      result.textContent = `item ${item.item_id.slice(0, 8)}: ${item.phase ?? item.status}`;
      url.value = '';
    } catch (error) {
      result.className = 'error';
      delete result.dataset.itemId;
      result.textContent = error.message;
    }
  });
}
