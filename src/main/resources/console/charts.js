// Line charts drawn on a <canvas>: no library. Each chart keeps its last `capacity` samples and
// exposes how many it has drawn in data-samples (and its latest values in aria-label).

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{title: string, series: {label: string, color: string}[], max?: number,
   *   format?: function(number): string, capacity?: number}} options max: a fixed top of the
   *   scale (e.g. 100 for percents); none: the largest value shown
   */
  constructor(canvas, options) {
    this.canvas = canvas;
    this.title = options.title;
    this.series = options.series;
    this.max = options.max ?? null;
    this.format = options.format || ((v) => String(v));
    this.capacity = options.capacity || 60;
    this.samples = [];
    this.drawn = 0;
    canvas.setAttribute("role", "img");
    canvas.dataset.samples = "0";
    canvas.setAttribute("aria-label", `${this.title}: no data yet`);
    this.draw();
  }

  /** Adds one sample: one number per series. */
  push(values) {
    this.samples.push(values);
    if (this.samples.length > this.capacity) this.samples.shift();
    this.drawn++;
    this.draw();
    this.canvas.dataset.samples = String(this.drawn);
    const text = this.series.map((s, i) => `${s.label} ${this.format(values[i])}`).join(", ");
    this.canvas.setAttribute("aria-label", `${this.title}: ${text}`);
  }

  draw() {
    const c = this.canvas;
    const ctx = c.getContext("2d");
    const w = c.width;
    const h = c.height;
    const pad = { left: 52, right: 8, top: 8, bottom: 18 };
    ctx.clearRect(0, 0, w, h);
    ctx.font = "11px system-ui, sans-serif";
    let top = this.max;
    if (top === null) {
      top = 0;
      for (const s of this.samples) for (const v of s) if (v > top) top = v;
      top = niceCeiling(top);
    }
    const plotW = w - pad.left - pad.right;
    const plotH = h - pad.top - pad.bottom;
    const y = (v) => pad.top + plotH - (Math.min(v, top) / top) * plotH;
    // Grid and scale.
    ctx.strokeStyle = "#e3e5ea";
    ctx.fillStyle = "#555";
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(w - pad.right, yy);
      ctx.stroke();
      ctx.fillText(this.format(v), pad.left - 4, yy);
    }
    // Series, the newest sample at the right edge.
    const step = plotW / (this.capacity - 1);
    const x0 = pad.left + plotW - (this.samples.length - 1) * step;
    this.series.forEach((s, i) => {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      this.samples.forEach((values, j) => {
        const xx = x0 + j * step;
        const yy = y(values[i] || 0);
        if (j === 0) ctx.moveTo(xx, yy);
        else ctx.lineTo(xx, yy);
      });
      ctx.stroke();
    });
    // Legend.
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    let lx = pad.left;
    for (const s of this.series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(lx, h - 9, 10, 3);
      ctx.fillStyle = "#333";
      ctx.fillText(s.label, lx + 14, h - 4);
      lx += 20 + ctx.measureText(s.label).width;
    }
  }
}

/** 1, 2 or 5 times a power of ten, at least v (and at least 1). */
function niceCeiling(v) {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Bytes per second, short: 0 B/s, 12 kB/s, 3.4 MB/s. */
export function rate(v) {
  if (v < 1000) return `${Math.round(v)} B/s`;
  if (v < 1e6) return `${(v / 1e3).toFixed(v < 1e4 ? 1 : 0)} kB/s`;
  if (v < 1e9) return `${(v / 1e6).toFixed(v < 1e7 ? 1 : 0)} MB/s`;
  return `${(v / 1e9).toFixed(1)} GB/s`;
}

export function percent(v) {
  return `${Math.round(v)} %`;
}
