/**
 * Draws Värna's two Teams icons with pngjs: a shield with a heart (värna = protect).
 *   color.png    192x192, the shield in white on the accent colour, the heart in the accent colour
 *   outline.png   32x32, white outline and heart on a fully transparent background
 * `npm run icons` rewrites appPackage/color.png and appPackage/outline.png; the PNGs are committed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

export const ACCENT = '#1F5F7A';

type Shape = (u: number, v: number) => boolean;

/** Shield in [-1,1]²: straight sides, a pointed bottom. */
const shield =
  (scale: number): Shape =>
  (u, v) => {
    const x = u / scale;
    const y = v / scale;
    if (y < -0.78 || y > 0.92) return false;
    const half = y <= 0.05 ? 0.7 : 0.7 * (1 - Math.pow((y - 0.05) / 0.87, 1.7));
    const shoulder = y < -0.62 ? Math.sqrt(Math.max(0, 1 - Math.pow((-0.62 - y) / 0.16, 2))) * 0.08 : 0.08; // rounded top corners
    return Math.abs(x) <= half - 0.08 + shoulder;
  };

/** The classic implicit heart, centred at (0, cy) with radius r. */
const heart =
  (r: number, cy: number): Shape =>
  (u, v) => {
    const x = u / r;
    const y = -(v - cy) / r + 0.15;
    const a = x * x + y * y - 1;
    return a * a * a - x * x * y * y * y <= 0;
  };

/** Coverage of a shape in one pixel, by 5x5 supersampling: smooth edges at any size. */
function coverage(shape: Shape, px: number, py: number, size: number): number {
  const n = 5;
  let hits = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const u = ((px + (i + 0.5) / n) / size) * 2 - 1;
      const v = ((py + (j + 0.5) / n) / size) * 2 - 1;
      if (shape(u, v)) hits++;
    }
  return hits / (n * n);
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

export function colorIcon(): Buffer {
  const size = 192;
  const png = new PNG({ width: size, height: size });
  const [ar, ag, ab] = rgb(ACCENT);
  const outer = shield(0.62);
  const inner = heart(0.2, -0.06);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const s = coverage(outer, x, y, size);
      const h = coverage(inner, x, y, size) * s;
      const white = s - h; // white shield, accent heart, accent background
      const i = (y * size + x) * 4;
      png.data[i] = Math.round(ar + (255 - ar) * white);
      png.data[i + 1] = Math.round(ag + (255 - ag) * white);
      png.data[i + 2] = Math.round(ab + (255 - ab) * white);
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

export function outlineIcon(): Buffer {
  const size = 32;
  const png = new PNG({ width: size, height: size });
  const outer = shield(0.95);
  const hole = shield(0.72);
  const inner = heart(0.3, -0.08);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const ring = Math.max(0, coverage(outer, x, y, size) - coverage(hole, x, y, size));
      const alpha = Math.min(1, ring + coverage(inner, x, y, size));
      const i = (y * size + x) * 4;
      png.data[i] = 255;
      png.data[i + 1] = 255;
      png.data[i + 2] = 255;
      png.data[i + 3] = Math.round(alpha * 255);
    }
  return PNG.sync.write(png);
}

if (require.main === module) {
  const dir = join(__dirname, '..', 'appPackage');
  writeFileSync(join(dir, 'color.png'), colorIcon());
  writeFileSync(join(dir, 'outline.png'), outlineIcon());
  console.log('wrote appPackage/color.png and appPackage/outline.png');
}
