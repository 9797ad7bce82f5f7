// Text recognition as a browser app does it: draw, read the pixels, normalise them to the model's
// input, run the model, CTC-decode with the model's dictionary.
const MODEL = 'models/ch_PP-OCRv4_rec_infer.onnx';
const DICTIONARY = 'models/ppocr_keys_v1.txt';

/** Black text on white, as the recognition model expects a cropped line (48 pixels high). */
function draw(canvas, text) {
  const g = canvas.getContext('2d');
  g.font = '26px sans-serif';
  canvas.width = Math.max(48, Math.ceil(g.measureText(text).width) + 16);
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000000';
  g.font = '26px sans-serif';
  g.textBaseline = 'middle';
  g.fillText(text, 8, canvas.height / 2);
  return g.getImageData(0, 0, canvas.width, canvas.height);
}

/** RGBA pixels → the model's [1, 3, 48, W] input, each channel scaled to [-1, 1] (PaddleOCR's normalisation). */
function toInput({ data, width, height }) {
  const plane = width * height;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) input[c * plane + i] = (data[i * 4 + c] / 255 - 0.5) / 0.5;
  }
  return new ort.Tensor('float32', input, [1, 3, height, width]);
}

/** Greedy CTC decoding: the likeliest class per time step, repeats merged, blanks (class 0) dropped. */
function decode(probs, characters) {
  const [, steps, classes] = probs.dims;
  let text = '';
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs.data[t * classes + k] > probs.data[t * classes + best]) best = k;
    if (best !== 0 && best !== previous) text += characters[best - 1];
    previous = best;
  }
  return text;
}

async function main() {
  const canvas = document.getElementById('image');
  const pixels = draw(canvas, canvas.dataset.text);
  const [session, dictionary] = await Promise.all([
    ort.InferenceSession.create(MODEL),
    fetch(DICTIONARY).then((r) => r.text()),
  ]);
  // the dictionary's characters, then the space PaddleOCR appends (class 0 is CTC's blank)
  const characters = [...dictionary.split('\n').filter((line) => line !== ''), ' '];
  const result = await session.run({ [session.inputNames[0]]: toInput(pixels) });
  const text = decode(result[session.outputNames[0]], characters);
  document.getElementById('text').textContent = text;
  console.log(`read: ${text}`);
  console.log(`drawn: ${canvas.dataset.text} (${pixels.width}x${pixels.height} pixels)`);
}

main().catch((e) => console.error(`ocr failed: ${e.message}`));
