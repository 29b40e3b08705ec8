// A HEIC photo to a JPEG for the Records page's preview, in a worker thread of its own: decoding a
// phone's 12-megapixel photo and encoding its JPEG takes seconds of CPU and a few hundred MB, which
// must not stop the server's event loop. Plain JavaScript: a worker is started by Node itself.
// One photo at a time: { heic, maxSide, quality } in, the JPEG's bytes (or { error }) out.
import { parentPort } from 'node:worker_threads';
import decode from 'heic-decode';
import jpeg from 'jpeg-js';

async function convert({ heic, maxSide, quality }) {
const image = await decode({ buffer: heic });
// Shrunk by a whole factor (each output pixel the mean of a k×k box) to at most maxSide a side.
const k = Math.max(1, Math.ceil(Math.max(image.width, image.height) / maxSide));
let { width, height, data } = image;
if (k > 1) {
  const w = Math.floor(width / k);
  const h = Math.floor(height / k);
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0, 0];
      for (let dy = 0; dy < k; dy++) {
        const row = ((y * k + dy) * width + x * k) * 4;
        for (let dx = 0; dx < k * 4; dx++) sum[dx % 4] += data[row + dx];
      }
      for (let c = 0; c < 4; c++) out[(y * w + x) * 4 + c] = Math.round(sum[c] / (k * k));
    }
  }
  [width, height, data] = [w, h, out];
}
return jpeg.encode({ data, width, height }, quality).data;
}

parentPort.on('message', (job) => {
  convert(job).then(
    (encoded) => parentPort.postMessage(encoded, [encoded.buffer]),
    (err) => parentPort.postMessage({ error: String(err?.message ?? err) }),
  );
});
