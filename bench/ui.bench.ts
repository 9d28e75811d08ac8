/**
 * UI benchmark in Chromium against browser mode: first paint, list search (a last name, a domain, an
 * address prefix: keystroke → rows on screen, and → the count) and scroll on a
 * 1,000,000-subscriber list, compared with a 10,000-subscriber list in the same run (the ratio says
 * how much the million costs). Run: `npm run bench:ui` (BENCH_ROWS=... to change the big list).
 */
import { chromium, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Engine } from '../electron/engine/engine';
import { importFile } from '../electron/engine/mirror/csv/importer';
import { querySubscribers } from '../electron/engine/mirror/lists';
import { startServe } from '../test/e2e/server';
import { generateMailchimpExport } from './genMailchimp';

const BIG = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SMALL = 10_000;
const root = join(import.meta.dirname, '..');

/** The little of the DOM the page-side waits use (this file is typed for Node). */
type Doc = {
  document: {
    querySelector(s: string): { querySelectorAll(s: string): { length: number } } | null;
    querySelectorAll(s: string): { length: number };
  };
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(page: Page, list: string, rows: number) {
  await page.getByRole('button', { name: new RegExp(`^${list}`) }).click();
  const status = page.getByTestId('table-status');
  await status.filter({ hasText: `${rows.toLocaleString('en-US')}`.slice(0, 3) }).waitFor();
  await page.getByRole('gridcell').first().waitFor();

  // Search: from typing to the matching rows on screen (what a person waits for).
  const search = page.getByLabel('Search subscribers by email or name');
  await page.evaluate(() => {
    const w = globalThis as unknown as {
      document: { addEventListener(t: string, f: (e: { timeStamp: number }) => void, c: boolean): void };
      lastInput?: number;
    };
    w.document.addEventListener('input', (e) => (w.lastInput = e.timeStamp), true);
  });
  // Last names (each ~1/12 of the list, like the Smiths of a real one) and domains (every address of
  // the generated list is @example.com: the densest a domain can be). Keystroke → the first row of the
  // new answer on screen, and → the count shown (a search shows rows before it has counted them).
  // Page-side waits poll on every animation frame; a locator's waitFor polls at 0, 20, 50, 100, 100,
  // 500 ms, which would time Playwright's back-off (up to 100 ms late), not the screen.
  const rowsOf = async (text: string, firstRow: RegExp) =>
    page
      .waitForFunction(
        ({ text, re }) => {
          const d = (globalThis as unknown as Doc).document;
          const st = d.querySelector('[data-testid="table-status"]') as unknown as {
            textContent: string;
          } | null;
          const row = d.querySelector('[data-testid="grid-body"] [aria-rowindex="2"]') as unknown as {
            textContent: string;
          } | null;
          const shown =
            !!st &&
            st.textContent.includes(`matching "${text}"`) &&
            !!row &&
            new RegExp(re, 'i').test(row.textContent);
          // Also from the input event in the page: the app's part alone, without Playwright's fill.
          const w = globalThis as unknown as { performance: { now(): number }; lastInput?: number };
          return shown && Math.max(w.performance.now() - (w.lastInput ?? 0), 0.001);
        },
        { text, re: firstRow.source },
      )
      .then(async (h) => (await h.jsonValue()) as number);
  // The count shown: a number for this text, no "counting…" (rows are on screen by then).
  const counted = async (text: string) =>
    page.waitForFunction((text) => {
      const st = (globalThis as unknown as Doc).document.querySelector(
        '[data-testid="table-status"]',
      ) as unknown as { textContent: string } | null;
      return !!st && st.textContent.includes(`matching "${text}"`) && !st.textContent.includes('counting');
    }, text);
  const words = async (texts: string[], firstRow: RegExp) => {
    const rowsMs: number[] = [];
    const inPageMs: number[] = [];
    const countMs: number[] = [];
    for (const text of texts) {
      const t0 = performance.now();
      await search.fill(text);
      inPageMs.push(await rowsOf(text, firstRow));
      rowsMs.push(performance.now() - t0);
      await counted(text);
      countMs.push(performance.now() - t0);
    }
    return { rows: median(rowsMs), inPage: median(inPageMs), count: median(countMs) };
  };

  const searchMs: number[] = [];
  const searchInPageMs: number[] = [];
  const queryMs: number[] = [];
  for (const n of [7, 4242, 98765, 31337, 555]) {
    const prefix = `person.${n % rows}`;
    const t0 = performance.now();
    await search.fill(prefix);
    searchInPageMs.push(await rowsOf(prefix, new RegExp(`^${prefix.replace('.', '\\.')}`)));
    searchMs.push(performance.now() - t0);
    const q = /· (\d+) ms/.exec((await status.textContent()) ?? '');
    if (q) queryMs.push(Number(q[1]));
    // The next text is typed once this one is counted (as a person reads the answer first).
    await counted(prefix);
  }
  const lastName = await words(
    ['Smith', 'Jones', 'Dvořák', 'Garcia', 'Schröder'],
    /smith|jones|dvořák|garcía|schröder/,
  );
  const domain = await words(
    ['@example.com', '@example.co', '@exam', '@example.c', '@EXAMPLE.COM'],
    /@example\.com/,
  );
  await search.fill('');
  await status.filter({ hasNotText: 'matching' }).waitFor();

  // Scroll: jump to a position and time until the rows in view are loaded (no "Loading…" left).
  const scrollMs: number[] = [];
  for (const frac of [0.1, 0.5, 0.9, 0.33]) {
    const t0 = performance.now();
    await page.getByTestId('grid-body').evaluate((el, f) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
    }, frac);
    // Functions, not strings: the app's CSP forbids eval, which a string predicate would need.
    await page.waitForFunction(() => {
      const b = (globalThis as unknown as Doc).document.querySelector('[data-testid="grid-body"]');
      return (
        !!b && b.querySelectorAll('.loading-row').length === 0 && b.querySelectorAll('.email').length > 5
      );
    });
    scrollMs.push(performance.now() - t0);
  }
  // Smooth scroll: 30 wheel steps, then wait for the rows to settle.
  const t0 = performance.now();
  for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 600);
  await page.waitForFunction(
    () =>
      (globalThis as unknown as Doc).document.querySelectorAll('[data-testid="grid-body"] .loading-row')
        .length === 0,
  );
  const wheelMs = performance.now() - t0;
  return {
    lastName,
    domain,
    search: median(searchMs),
    searchInPage: median(searchInPageMs),
    query: queryMs.length ? median(queryMs) : NaN,
    jump: median(scrollMs),
    wheel: wheelMs,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'understudy-uibench-'));
  try {
    const b = spawnSync(
      join(root, 'node_modules', '.bin', 'vite'),
      ['build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (b.status !== 0) throw new Error('renderer build failed');
    const engine = Engine.open({ dbPath: join(dir, 'understudy.sqlite') });
    for (const [name, rows] of [
      ['Small', SMALL],
      ['Million', BIG],
    ] as const) {
      const file = join(dir, `${name}.csv`);
      const t0 = performance.now();
      await generateMailchimpExport(file, rows, { seed: 3, badShare: 0 });
      await importFile(engine, { file, list: name, format: 'auto', map: {} });
      rmSync(file);
      console.error(`prepared ${name}: ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    // The same searches in the engine alone (first page of 200, then the count), without the browser.
    const engineMs = (list: string, text: string) => {
      const t: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        querySubscribers(engine, { list, search: text, limit: 200, count: false });
        const t1 = performance.now();
        querySubscribers(engine, { list, search: text, count: true, rows: false });
        t.push(t1 - t0, performance.now() - t1);
      }
      const page = median(t.filter((_, i) => i % 2 === 0));
      const count = median(t.filter((_, i) => i % 2 === 1));
      return { page, count };
    };
    // "S" is the first key of "Smith": a one-letter word has no prefix index of its own, and while it
    // is asked the screen's one lane holds the next text back (renderer/src/store/lists.ts).
    const inEngine = ['S', 'Smith', '@example.com', 'person.7', 'person.4242'].map((text) => ({
      text,
      big: engineMs('Million', text),
      small: engineMs('Small', text),
    }));
    await engine.close();
    // The app's server in its own process, as `understudy serve` runs: in this one, every synchronous
    // query (a count of a million takes ~100 ms) would also hold up Playwright's side of the
    // measurement, and time the benchmark instead of the screen.
    const srv = await startServe({
      dir,
      env: { UNDERSTUDY_RENDERER_DIR: join(root, 'out', 'renderer') },
    });
    const browser = await chromium.launch({
      executablePath: process.env.UNDERSTUDY_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    const t0 = performance.now();
    await page.goto(srv.loginUrl + '#lists');
    await page.getByRole('heading', { level: 1, name: 'Lists' }).waitFor();
    const fcp = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    );
    await page.getByRole('gridcell').first().waitFor();
    const firstRows = performance.now() - t0;

    const small = await measure(page, 'Small', SMALL);
    const big = await measure(page, 'Million', BIG);
    await browser.close();
    await srv.stop();

    const r = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      `ui.bench first contentful paint: ${fcp.toFixed(0)} ms; login to first rows of a ${BIG.toLocaleString('en-US')}-row list on screen: ${firstRows.toFixed(0)} ms`,
    );
    for (const [what, k] of [
      ['a last name ("Smith", ~1/12 of the list)', 'lastName'],
      ['a domain ("@example.com", every address)', 'domain'],
    ] as const) {
      console.log(
        `ui.bench search ${what}, keystroke → rows on screen, median: ${BIG} rows ${big[k].rows.toFixed(0)} ms vs ${SMALL} rows ${small[k].rows.toFixed(0)} ms, ratio ${r(big[k].rows, small[k].rows)}; from the input event in the page ${big[k].inPage.toFixed(0)} vs ${small[k].inPage.toFixed(0)} ms`,
      );
      console.log(
        `ui.bench search ${what}, keystroke → count shown, median: ${BIG} rows ${big[k].count.toFixed(0)} ms vs ${SMALL} rows ${small[k].count.toFixed(0)} ms, ratio ${r(big[k].count, small[k].count)}`,
      );
    }
    for (const e of inEngine)
      console.log(
        `ui.bench search "${e.text}" in the engine alone, first page / count, median: ${BIG} rows ${e.big.page.toFixed(1)} / ${e.big.count.toFixed(1)} ms vs ${SMALL} rows ${e.small.page.toFixed(1)} / ${e.small.count.toFixed(1)} ms, ratio ${r(e.big.page, e.small.page)} / ${r(e.big.count, e.small.count)}`,
      );
    console.log(
      `ui.bench search an address prefix (type → matching rows on screen), median: ${BIG} rows ${big.search.toFixed(0)} ms vs ${SMALL} rows ${small.search.toFixed(0)} ms, ratio ${r(big.search, small.search)}; from the input event in the page ${big.searchInPage.toFixed(0)} vs ${small.searchInPage.toFixed(0)} ms`,
    );
    console.log(
      `ui.bench search an address prefix, first page's round trip as the screen timed it, median: ${BIG} rows ${big.query} ms vs ${SMALL} rows ${small.query} ms, ratio ${r(big.query, small.query)}`,
    );
    console.log(
      `ui.bench scroll jump (scrollTop → rows in view loaded), median: ${BIG} rows ${big.jump.toFixed(0)} ms vs ${SMALL} rows ${small.jump.toFixed(0)} ms, ratio ${r(big.jump, small.jump)}`,
    );
    console.log(
      `ui.bench wheel scroll 30 steps until settled: ${BIG} rows ${big.wheel.toFixed(0)} ms vs ${SMALL} rows ${small.wheel.toFixed(0)} ms, ratio ${r(big.wheel, small.wheel)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
