// The dashboard: loads the figures and the first page of items, then follows the broker's events.
import { api, forgetToken, token } from './api.js';
import { $, h, toast } from './dom.js';
import { followEvents } from './events.js';
import { forgetRunning, showFigures, trackRunning } from './figures.js';
import { firstPage, itemChanged, itemDeleted, loadPage, newerPage, olderPage } from './items.js';
import { setUpLinks } from './links.js';
import { setUpHandIn } from './uploads.js';

async function loadFigures() {
  const stats = await api('api/stats');
  showFigures(stats);
  fillChoices(stats);
}

function fillChoices(stats) {
  const types = $('#conversion-type');
  const knownTypes = new Set([...types.options].map((option) => option.value));
  for (const type of stats.conversion_types) if (!knownTypes.has(type)) types.append(h('option', { value: type }, type));
  const clients = $('#client-filter');
  const knownClients = new Set([...clients.options].map((option) => option.value));
  for (const client of stats.clients) if (!knownClients.has(client)) clients.append(h('option', { value: client }, client));
  clients.hidden = clients.options.length <= 2;
}

function setConnection(state) {
  const badge = $('#connection');
  badge.dataset.state = state;
  badge.textContent = state === 'live' ? 'live' : 'reconnecting…';
  $('#forget-token').hidden = !token();
}

function onEvent(type, data) {
  switch (type) {
    case 'item':
      itemChanged(data);
      trackRunning(data);
      break;
    case 'item_deleted':
      itemDeleted(data.item_id);
      forgetRunning(data.item_id);
      break;
    case 'stats':
      showFigures(data);
      fillChoices(data);
      break;
    case 'resync':
      // What was missed cannot be replayed (the broker restarted): the figures come with this event, the page is asked again.
      showFigures(data);
      fillChoices(data);
      loadPage().catch((error) => toast(`Could not reload the items: ${error.message}`));
      break;
    default:
      break;
  }
}

function setUpFilters() {
  let typing = 0;
  $('#search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(firstPage, 250); });
  $('#filters').addEventListener('submit', (event) => { event.preventDefault(); firstPage(); });
  $('#state-filter').addEventListener('change', firstPage);
  $('#client-filter').addEventListener('change', firstPage);
  $('#older').addEventListener('click', olderPage);
  $('#newer').addEventListener('click', newerPage);
  $('#forget-token').addEventListener('click', () => { forgetToken(); location.reload(); });
}

async function start() {
  setUpFilters();
  setUpHandIn();
  setUpLinks();
  // Events first, so that nothing that happens while the first page loads goes unseen.
  followEvents({ onEvent, onState: setConnection });
  try {
    await loadFigures();
    await firstPage();
  } catch (error) {
    toast(`The broker did not answer: ${error.message}`);
  }
}

start();
