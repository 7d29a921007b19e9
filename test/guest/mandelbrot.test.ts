import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachVariant, loadModule, stdoutLinker, variantName } from './guest-helpers.js';

const PALETTE = [
  [66, 30, 15], [25, 7, 26], [9, 1, 47], [4, 4, 73], [0, 7, 100], [12, 44, 138], [24, 82, 177], [57, 125, 209],
  [134, 181, 229], [211, 236, 248], [241, 233, 191], [248, 201, 95], [255, 170, 0], [204, 128, 0], [153, 87, 0], [106, 52, 3],
];

/** The renderer of guest/mandelbrot/mandelbrot.c, in BigInt fixed point (Q28). Returns the RGBA frame. */
function render(width: number, height: number, maxIter: number, centerX: number, centerY: number, step: number): Uint8Array {
  const frame = new Uint8Array(width * height * 4);
  const FOUR = 4n << 28n;
  let k = 0;
  for (let py = 0; py < height; py++) {
    const cy = BigInt(centerY) + BigInt(py - Math.floor(height / 2)) * BigInt(step);
    for (let px = 0; px < width; px++) {
      const cx = BigInt(centerX) + BigInt(px - Math.floor(width / 2)) * BigInt(step);
      let x = 0n;
      let y = 0n;
      let n = 0;
      for (; n < maxIter; n++) {
        const x2 = (x * x) >> 28n;
        const y2 = (y * y) >> 28n;
        if (x2 + y2 > FOUR) break;
        y = ((x * y) >> 27n) + cy;
        x = x2 - y2 + cx;
      }
      const [r, g, b] = n < maxIter ? PALETTE[n % 16] : [0, 0, 0];
      frame.set([r, g, b, 255], k);
      k += 4;
    }
  }
  return frame;
}

function fnv1a(bytes: Uint8Array): bigint {
  let hash = 2166136261;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return BigInt(hash);
}

const Q28 = 2 ** 28;

forEachVariant('mandelbrot', (v, skip) => {
  test(`mandelbrot (${variantName(v)}): frames match a host-side renderer, pixel for pixel`, { skip }, () => {
    let shown: { pixels: Uint8Array; width: number; height: number } | null = null;
    const instance = stdoutLinker({ text: '' })
      .define('ext_framebuffer', (caller, pointer, width, height) => {
        shown = { pixels: caller.readMemory(Number(pointer), Number(width * height * 4n)), width: Number(width), height: Number(height) };
      })
      .instantiate(loadModule('mandelbrot', v));

    // render(): centre (-0.75, 0), 3.0 units across.
    const classic = render(64, 48, 64, -0.75 * Q28, 0, Math.floor((3 * Q28) / 64));
    assert.equal(instance.call('render', [64, 48, 64]), fnv1a(classic));
    assert.deepEqual(shown, { pixels: classic, width: 64, height: 48 });
    assert.deepEqual(instance.readMemory(Number(instance.call('framebuffer')), classic.length), classic);

    // A zoomed view with negative centre coordinates (signed arguments).
    const centerX = Math.round(-0.7436 * Q28);
    const centerY = Math.round(-0.1318 * Q28);
    const step = Math.round(0.0002 * Q28);
    const zoomed = render(40, 30, 300, centerX, centerY, step);
    assert.equal(instance.call('render_view', [40, 30, 300, BigInt.asUintN(64, BigInt(centerX)), BigInt.asUintN(64, BigInt(centerY)), step]), fnv1a(zoomed));
    assert.deepEqual(shown, { pixels: zoomed, width: 40, height: 30 });
  });

  test(`mandelbrot (${variantName(v)}): bad sizes return 0 without calling the host`, { skip }, () => {
    let calls = 0;
    const instance = stdoutLinker({ text: '' })
      .define('ext_framebuffer', () => void calls++)
      .instantiate(loadModule('mandelbrot', v));
    assert.equal(instance.call('render', [0, 10, 10]), 0n);
    assert.equal(instance.call('render', [10, 4000, 10]), 0n);
    assert.equal(instance.call('render', [10, 10, 0]), 0n);
    assert.equal(calls, 0);
  });
});
