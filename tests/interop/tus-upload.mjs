// Uploads one file to a MediaBroker broker with the official tus client, as any tus-speaking program would.
// usage: node tus-upload.mjs ENDPOINT FILE FILENAME CONVERSION_TYPE SHA512
// Prints one line of JSON: the upload's URL, the item id the broker gave it, and how often the client had to resume.
import { readFileSync } from 'node:fs';
import * as tus from 'tus-js-client';

const [endpoint, file, filename, conversionType, sha512] = process.argv.slice(2);
if (!sha512) {
  console.error('usage: node tus-upload.mjs ENDPOINT FILE FILENAME CONVERSION_TYPE SHA512');
  process.exit(2);
}

let itemId = null;
let resumes = 0;
const upload = new tus.Upload(readFileSync(file), {
  endpoint,
  chunkSize: 64 * 1024,
  retryDelays: [0, 100, 300, 1000, 2000],
  metadata: { filename, conversion_type: conversionType, sha512 },
  onShouldRetry: (error) => { resumes += 1; return true; },
  onAfterResponse: (request, response) => {
    const id = response.getHeader('MediaBroker-Item-Id');
    if (id) itemId = id;
  },
});

try {
  await new Promise((resolve, reject) => {
    upload.options.onSuccess = resolve;
    upload.options.onError = reject;
    upload.start();
  });
  console.log(JSON.stringify({ url: upload.url, itemId, resumes }));
} catch (error) {
  console.error(`upload failed: ${error}`);
  process.exit(1);
}
