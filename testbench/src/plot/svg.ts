import type { Timeline, TimelineSample } from "./timeline.ts";

/**
 * Renders a run's timeline as a standalone SVG: three stacked panels sharing the time axis
 * (requests/s, servers up, cumulative failovers) with the fault events drawn as vertical
 * markers across all of them. Plain SVG 1.1, no scripts or external resources, so any browser
 * or image viewer opens it.
 */

interface Series {
  readonly id: "requests" | "servers" | "failovers";
  readonly label: string;
  readonly color: string;
  readonly value: (s: TimelineSample) => number;
}

const SERIES: readonly Series[] = [
  { id: "requests", label: "requests/s", color: "#1f77b4", value: (s) => s.requestsPerSec },
  { id: "servers", label: "servers up", color: "#2ca02c", value: (s) => s.serversUp },
  { id: "failovers", label: "failovers (cumulative)", color: "#d62728", value: (s) => s.failovers },
];

const WIDTH = 900;
const PANEL_HEIGHT = 140;
const MARGIN_LEFT = 70;
const MARGIN_RIGHT = 20;
const MARGIN_TOP = 40;
const PANEL_GAP = 30;
const AXIS_HEIGHT = 40;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function renderTimelineSvg(timeline: Timeline): string {
  const samples = timeline.samples;
  const lastSample = samples.length > 0 ? samples[samples.length - 1]!.tMs : 0;
  const lastEvent = timeline.events.reduce((m, e) => Math.max(m, e.tMs), 0);
  const spanMs = Math.max(1, lastSample, lastEvent);
  const plotWidth = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
  const height = MARGIN_TOP + SERIES.length * (PANEL_HEIGHT + PANEL_GAP) + AXIS_HEIGHT;
  const x = (tMs: number): number => MARGIN_LEFT + (tMs / spanMs) * plotWidth;
  const parts: string[] = [];
  parts.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<title>${escapeXml(timeline.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(timeline.title)}</text>`);

  SERIES.forEach((series, index) => {
    const top = MARGIN_TOP + index * (PANEL_HEIGHT + PANEL_GAP);
    const bottom = top + PANEL_HEIGHT;
    const max = Math.max(1, ...samples.map(series.value));
    const y = (v: number): number => bottom - (v / max) * PANEL_HEIGHT;
    parts.push(`<g class="panel" data-series="${series.id}">`);
    parts.push(`<rect x="${MARGIN_LEFT}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#ccc"/>`);
    parts.push(`<text x="${MARGIN_LEFT}" y="${top - 6}" fill="${series.color}">${escapeXml(series.label)}</text>`);
    parts.push(`<text x="${MARGIN_LEFT - 6}" y="${top + 10}" text-anchor="end">${fmt(max)}</text>`);
    parts.push(`<text x="${MARGIN_LEFT - 6}" y="${bottom}" text-anchor="end">0</text>`);
    if (samples.length > 0) {
      // Servers up and failovers change in steps; drawing them as steps keeps the plot honest.
      const stepped = series.id !== "requests";
      const points: string[] = [];
      samples.forEach((s, i) => {
        if (stepped && i > 0) points.push(`${x(s.tMs).toFixed(1)},${y(series.value(samples[i - 1]!)).toFixed(1)}`);
        points.push(`${x(s.tMs).toFixed(1)},${y(series.value(s)).toFixed(1)}`);
      });
      parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="1.5" points="${points.join(" ")}"/>`);
    }
    parts.push(`</g>`);
  });

  const plotBottom = MARGIN_TOP + SERIES.length * (PANEL_HEIGHT + PANEL_GAP) - PANEL_GAP;
  for (const event of timeline.events) {
    const ex = x(event.tMs).toFixed(1);
    parts.push(`<g class="event">`);
    parts.push(`<line x1="${ex}" y1="${MARGIN_TOP}" x2="${ex}" y2="${plotBottom}" stroke="#888" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${ex}" y="${MARGIN_TOP - 2}" transform="rotate(-20 ${ex} ${MARGIN_TOP - 2})" fill="#555">${escapeXml(event.label)}</text>`);
    parts.push(`</g>`);
  }

  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const t = (spanMs * i) / ticks;
    parts.push(`<text x="${x(t).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle">${(t / 1000).toFixed(1)} s</text>`);
  }
  parts.push(`<text x="${MARGIN_LEFT + plotWidth / 2}" y="${plotBottom + 32}" text-anchor="middle">time</text>`);
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}
