import { PNG } from 'pngjs';

/**
 * Renders a PDF page to PNG in-process with PDF.js and @napi-rs/canvas (npm packages with prebuilt
 * binaries: no browser, no poppler). Fonts come from the PDF itself (drawn as paths), so what is
 * seen is what the PDF embeds. Also returns the page's text with each item's position in pixels.
 */
export async function renderPdfPage(
  pdf: Buffer,
  pageNumber: number,
  scale = 1.5,
): Promise<{ png: Buffer; image: PNG; pages: number; text: Array<{ str: string; x: number; y: number }> }> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const { createCanvas } = require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(pdf),
    disableFontFace: true,
    useSystemFonts: false,
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  try {
    const page = await doc.getPage(pageNumber);
    const viewport = page.getViewport({ scale });
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({ canvasContext: ctx as unknown as Parameters<typeof page.render>[0]['canvasContext'], viewport }).promise;
    const png = canvas.toBuffer('image/png');
    const content = await page.getTextContent();
    const text = content.items
      .filter((i): i is (typeof content.items)[number] & { str: string; transform: number[] } => 'str' in i)
      .map((i) => {
        const [x, y] = viewport.convertToViewportPoint(i.transform[4]!, i.transform[5]!);
        return { str: i.str, x: x!, y: y! };
      });
    return { png, image: PNG.sync.read(png), pages: doc.numPages, text };
  } finally {
    await doc.destroy();
  }
}

/** How many pixels in a rectangle are within `tolerance` of a colour ('#rrggbb'). */
export function countColor(image: PNG, hex: string, box: { x0: number; y0: number; x1: number; y1: number }, tolerance = 24): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  let n = 0;
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(image.height, box.y1); y++)
    for (let x = Math.max(0, Math.floor(box.x0)); x < Math.min(image.width, box.x1); x++) {
      const i = (y * image.width + x) * 4;
      if (
        Math.abs(image.data[i]! - r) <= tolerance &&
        Math.abs(image.data[i + 1]! - g) <= tolerance &&
        Math.abs(image.data[i + 2]! - b) <= tolerance
      )
        n++;
    }
  return n;
}
