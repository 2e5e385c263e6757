// Every HTML page safeguard writes, checked in a real browser: Debian's Chromium driven by
// puppeteer-core (which downloads no browser of its own), one launch for all pages. For each
// page: its structure (one <h1>, no skipped heading level, the sections it promises), axe-core
// at WCAG 2.1 A and AA with zero violations, and printing on A4 (page count within a stated
// bound, the ecomap full width, every word of a drawing at 9 pt or more, no id or date broken
// across lines).
//
//   node check_pages.js --safeguard build/tools/safeguard --source . --work build/browser \
//       [--library build/libsafeguard.so.0]   (also Python's Audit.html())
//
// The pages are made here with the safeguard program, so the test covers what users get.
// Exit codes: 0 all pages pass; 1 a check failed (each failure listed); 77 (CTest: skipped)
// when Chromium is missing, which scripts/test.sh refuses in CI.
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const SKIP = 77;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// A4 less the pages' 12 mm margins (page.cpp's @page), in CSS pixels at 96 per inch.
const A4_CONTENT_WIDTH_PX = Math.floor(((210 - 2 * 12) / 25.4) * 96);
// The smallest type a drawing may print at (docs/cli.md, "Ecomaps on paper").
const PRINT_MIN_POINTS = 9;

function parseArgs(argv) {
  const out = { chromium: process.env.CHROMIUM || '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    out[key] = argv[i + 1];
  }
  for (const required of ['safeguard', 'source', 'work']) {
    if (!out[required]) {
      console.error(`check_pages.js: --${required} is required`);
      process.exit(2);
    }
  }
  return out;
}

// Runs the safeguard program; throws with its standard error when it fails.
function safeguard(options, ...args) {
  try {
    return execFileSync(options.safeguard, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`safeguard ${args.join(' ')} failed: ${error.stderr || error.message}`);
  }
}

// The pages, each with what it must hold and how many A4 pages it may print on.
function makePages(options) {
  const work = path.resolve(options.work);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const source = path.resolve(options.source);
  const families = path.join(source, 'examples/data/families.json');
  const timeline = path.join(source, 'examples/data/timeline.json');
  const views = path.join(source, 'tests/data/views');
  const asOf = ['--as-of', '2026-11-01'];
  const pages = [];
  const report = (name, args, extra = {}) => {
    const file = path.join(work, name);
    safeguard(options, 'report', ...args, '-o', file);
    pages.push({ name, file, ...extra });
  };
  const reportSections = ['#family', 'section.child', '.level', 'table.scores', '#appendix', '#provenance'];
  const familySections = ['main section h2', '.views'];
  // The families' recorded entries: the Signs of Safety columns, scaling, the child's voice and
  // the parents' views (a section per child; these are the first child's).
  const entrySections = ['.sos section.sos-column h4#worried-P-ASH-C1', 'h4#working-P-ASH-C1',
    'h4#needs-P-ASH-C1', 'h3#scaling-P-ASH-C1 + table.scaling', 'h3#voice-P-ASH-C1 + ul.voices',
    'h3#parents-P-ASH-C1 + ul.voices', '#family .family-diagram[role=img] svg'];

  report('report-HH-ASH-uncleared.html', [families, '--household', 'HH-ASH', ...asOf], {
    sections: reportSections.concat(['.ecomap svg'], entrySections), maxPages: 12, ecomap: true,
  });
  report('report-HH-ASH-cleared.html', [families, '--household', 'HH-ASH', ...asOf, '--viewer', '*'], {
    sections: reportSections.concat(['.ecomap svg'], entrySections), maxPages: 12, ecomap: true,
  });
  report('family-HH-ASH.html', [families, '--household', 'HH-ASH', ...asOf, '--for', 'family'], {
    sections: familySections.concat(['.family-diagram[role=img] svg']), maxPages: 4,
  });
  report('report-timeline.html', [timeline, '--child', 'P-ROW-C1', '--as-of', '2026-11-23'], {
    sections: reportSections.concat(['#timeline']), maxPages: 10, ecomap: true,
  });
  report('family-timeline.html', [timeline, '--child', 'P-ROW-C1', '--as-of', '2026-11-23', '--for', 'family'], {
    sections: familySections, maxPages: 4,
  });
  // Restricted evidence that alone sets the level, for a reader not cleared for it.
  report('report-restricted.html', [path.join(views, 'case.json'), '--rules', path.join(views, 'pack_index.toml'),
    '--child', 'P-VW-C1', ...asOf], {
    sections: reportSections.concat(['.restricted-item']), maxPages: 8, ecomap: true,
  });

  // The training pack: an index, per-agency packets and a reveal page per scenario.
  const training = path.join(work, 'training');
  safeguard(options, 'training', '-o', training, '--scenarios', '1', '--seed', '3', ...asOf);
  for (const file of listHtml(training)) {
    const name = path.relative(work, file);
    const reveal = path.basename(file) === 'reveal.html';
    pages.push({ name, file, sections: ['main'], maxPages: reveal ? 10 : 6, ecomap: reveal && hasSvg(file) });
  }

  // The audit's page of tables, on a planted caseload.
  const planted = ['case.json', 'outcomes.csv', 'groups.csv'].map((f) => path.join(work, f));
  safeguard(options, 'generate', '--children', '400', '--seed', '4', '-o', planted[0], '--outcomes', planted[1],
    '--groups', planted[2], '--no-progress');
  const audit = path.join(work, 'audit.html');
  safeguard(options, 'audit', planted[0], '--outcomes', planted[1], '--groups', planted[2], ...asOf,
    '--bootstrap', '50', '--format', 'html', '-o', audit, '--no-progress');
  pages.push({ name: 'audit.html', file: audit, sections: ['table th[scope=col]'], maxPages: 12 });

  // Python's Audit.html(): the same tables with matplotlib's plots, when a library to load is
  // given (--library, as CTest does).
  if (options.library) {
    const pythonAudit = path.join(work, 'audit-python.html');
    const script = [
      'import sys, safeguard',
      'case, outcomes, groups, out = sys.argv[1:]',
      'with safeguard.Graph.from_file(case) as graph, safeguard.RuleSet.load("default") as rules:',
      '    with graph.assess(rules, "2026-11-01") as result:',
      '        page = safeguard.audit(result, outcomes, groups, bootstrap=50).html()',
      'open(out, "w", encoding="utf-8").write(page)',
    ].join('\n');
    execFileSync('/usr/bin/python3', ['-c', script, ...planted, pythonAudit], {
      env: { ...process.env, SAFEGUARD_LIBRARY: options.library, PYTHONPATH: path.join(source, 'bindings/python'),
        MPLBACKEND: 'Agg' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pages.push({ name: 'audit-python.html', file: pythonAudit, sections: ['table th[scope=col]'], maxPages: 16 });
  }
  return pages;
}

function listHtml(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listHtml(full));
    else if (entry.name.endsWith('.html')) out.push(full);
  }
  return out;
}

function hasSvg(file) {
  return fs.readFileSync(file, 'utf8').includes('<svg');
}

// Structure, in the page: headings and the promised sections.
function structure(sections) {
  const problems = [];
  const h1 = document.querySelectorAll('h1');
  if (h1.length !== 1) problems.push(`${h1.length} <h1> elements, not one`);
  let previous = 0;
  for (const heading of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(heading.tagName[1]);
    if (previous && level > previous + 1) {
      problems.push(`heading <${heading.tagName.toLowerCase()}> "${heading.textContent.trim().slice(0, 40)}" skips a level after <h${previous}>`);
    }
    previous = level;
  }
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (!document.title) problems.push('no <title>');
  for (const selector of sections) {
    if (!document.querySelector(selector)) problems.push(`no ${selector}`);
  }
  return problems;
}

// In print layout: ids and dates on one line each, the ecomap as wide as the page, the
// drawings' type at `minPoints` or more.
function printLayout(ecomap, minPoints) {
  const problems = [];
  const token = /\b(\d{4}-\d{2}-\d{2}|[A-Z]{1,4}(?:-[A-Z0-9]+)+)\b/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const broken = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('svg, style, script')) continue;
    for (const match of node.data.matchAll(token)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.add(match[0]);
    }
  }
  for (const text of broken) problems.push(`"${text}" breaks across lines`);
  if (ecomap) {
    const body = document.body.getBoundingClientRect().width;
    for (const svg of document.querySelectorAll('.ecomap svg')) {
      const width = svg.getBoundingClientRect().width;
      if (width < 0.95 * body) problems.push(`an ecomap prints ${Math.round(width)} px wide of ${Math.round(body)}`);
    }
  }
  // Every word of a drawing (ecomap, family diagram) prints at 9 pt or more: its font size in
  // the SVG's own units times the scale the page draws it at (CSS px; 1 pt = 4/3 px).
  for (const svg of document.querySelectorAll('.ecomap svg, .family-diagram svg')) {
    const scale = svg.getScreenCTM().a;
    let smallest = Infinity;
    let sample = '';
    for (const text of svg.querySelectorAll('text')) {
      const points = (parseFloat(text.getAttribute('font-size') || '14') * scale * 3) / 4;
      if (points < smallest) [smallest, sample] = [points, text.textContent.trim()];
    }
    if (smallest < minPoints) {
      const what = svg.closest('.ecomap') ? 'an ecomap' : 'the family diagram';
      problems.push(`${what} prints "${sample}" at ${smallest.toFixed(1)} pt; ${minPoints} pt at least`);
    }
  }
  return problems;
}

function countPdfPages(buffer) {
  return (buffer.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(options.chromium)) {
    console.log(`SKIP: no Chromium at ${options.chromium}`);
    process.exit(SKIP);
  }
  const puppeteer = require('puppeteer-core');
  const axeSource = require.resolve('axe-core/axe.min.js');
  const pages = makePages(options);
  const browser = await puppeteer.launch({
    executablePath: options.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  let failed = 0;
  try {
    const tab = await browser.newPage();
    for (const spec of pages) {
      const problems = [];
      await tab.emulateMediaType('screen');
      await tab.setViewport({ width: 1000, height: 1400 });
      await tab.goto('file://' + spec.file, { waitUntil: 'load' });
      problems.push(...(await tab.evaluate(structure, spec.sections || [])));
      await tab.addScriptTag({ path: axeSource });
      const axe = await tab.evaluate(async (tags) => {
        const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
        return result.violations.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
      }, WCAG_TAGS);
      for (const v of axe) {
        problems.push(`axe ${v.id} (${v.help}): ${v.targets.slice(0, 8).join(', ')}${v.targets.length > 8 ? ` and ${v.targets.length - 8} more` : ''}`);
      }
      await tab.emulateMediaType('print');
      await tab.setViewport({ width: A4_CONTENT_WIDTH_PX, height: 1000 });
      problems.push(...(await tab.evaluate(printLayout, Boolean(spec.ecomap), PRINT_MIN_POINTS)));
      const pdf = Buffer.from(await tab.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true }));
      const count = countPdfPages(pdf);
      if (count < 1 || count > spec.maxPages) problems.push(`prints on ${count} A4 pages; at most ${spec.maxPages} expected`);
      if (problems.length) {
        failed += 1;
        console.log(`FAIL ${spec.name}`);
        for (const p of problems) console.log(`  ${p}`);
      } else {
        console.log(`ok   ${spec.name}: structure, axe WCAG 2.1 AA (0 violations), ${count} A4 page${count === 1 ? '' : 's'}`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`${pages.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
