import test from "ava";
import { renderTimelineSvg } from "../../src/plot/svg.ts";
import type { Timeline } from "../../src/plot/timeline.ts";

/**
 * A small well-formedness check (no XML parser is installed): every tag closes in order,
 * attributes are quoted, text has no raw '<' or '&' outside entities.
 */
function checkWellFormed(xml: string): string[] {
  const errors: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body)) !== null) {
    const [, closing, name, , selfClosing, text, stray] = m;
    if (stray !== undefined) {
      errors.push(`malformed tag at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
      continue;
    }
    if (text !== undefined) {
      if (/&(?!(lt|gt|amp|quot|apos);)/.test(text)) errors.push(`raw & in text: ${text.slice(0, 40)}`);
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open !== name) errors.push(`</${name}> closes <${open}>`);
    } else if (!selfClosing) {
      stack.push(name!);
    }
  }
  if (stack.length > 0) errors.push(`unclosed: ${stack.join(",")}`);
  return errors;
}

const timeline: Timeline = {
  title: "primary death <under load> & recovery",
  samples: [
    { tMs: 0, requestsPerSec: 0, serversUp: 4, failovers: 0 },
    { tMs: 250, requestsPerSec: 800, serversUp: 4, failovers: 0 },
    { tMs: 500, requestsPerSec: 950, serversUp: 3, failovers: 12 },
    { tMs: 750, requestsPerSec: 900, serversUp: 3, failovers: 40 },
    { tMs: 1000, requestsPerSec: 910, serversUp: 4, failovers: 40 },
  ],
  events: [
    { tMs: 420, label: "kill server 2" },
    { tMs: 900, label: "restart server 2" },
  ],
};

test("timeline SVG is well-formed and carries every series and event", (t) => {
  const svg = renderTimelineSvg(timeline);
  t.deepEqual(checkWellFormed(svg), []);
  t.true(svg.startsWith("<?xml"));
  t.regex(svg, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const id of ["requests", "servers", "failovers"]) t.regex(svg, new RegExp(`data-series="${id}"`));
  t.is((svg.match(/<polyline /g) ?? []).length, 3);
  t.is((svg.match(/<g class="event">/g) ?? []).length, 2);
  t.regex(svg, /kill server 2/);
  t.regex(svg, /&lt;under load&gt; &amp; recovery/);
  // the requests panel peaks at the highest sample, which sits on the panel's top edge
  t.regex(svg, />950</);
});

test("timeline polyline has one point per sample (steps double the stepped series)", (t) => {
  const svg = renderTimelineSvg(timeline);
  const polylines = [...svg.matchAll(/points="([^"]*)"/g)].map((m) => m[1]!.split(" ").length);
  t.deepEqual(polylines, [5, 9, 9]);
});

test("empty timeline still renders valid SVG", (t) => {
  const svg = renderTimelineSvg({ title: "empty", samples: [], events: [] });
  t.deepEqual(checkWellFormed(svg), []);
  t.is((svg.match(/<polyline /g) ?? []).length, 0);
});

test("the well-formedness check rejects broken XML", (t) => {
  t.notDeepEqual(checkWellFormed("<svg><g></svg>"), []);
  t.notDeepEqual(checkWellFormed("<svg>a & b</svg>"), []);
});
