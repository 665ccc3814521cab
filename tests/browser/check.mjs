// Loads one HTML file in Debian's headless Chromium with the network off and reports what a
// reader would get: every request the page tried to make beyond its own file (all aborted, none
// performed), console errors, uncaught script errors, the flags in the DOM (every element with a
// `data-flag` attribute), the text, the title and the page size. Writes a full-page screenshot at
// a laptop viewport (1366×768) and the A4 print of the page as a PDF beside it.
//
//   node tests/browser/check.mjs FILE.html OUT.png
//
// stdout: one JSON object (see `BrowserReport` in tests/common/mod.rs); the PDF goes to OUT.pdf
// (OUT.png with its extension replaced). Exit code 0 when the page was checked, whatever it
// contained; 2 on a usage error, 1 when the browser could not load it or the check took more than
// CHECK_TIMEOUT_MS (default 45 000): the message is on stderr. The browser is $CHROMIUM, or
// /usr/bin/chromium (Debian's package; Playwright never downloads one here).

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, shot, ...rest] = process.argv.slice(2);
if (!file || !shot || rest.length > 0 || !shot.endsWith('.png')) {
  console.error('usage: node tests/browser/check.mjs FILE.html OUT.png');
  process.exit(2);
}
const html = resolve(file);
if (!existsSync(html)) {
  console.error(`check.mjs: no such file: ${html}`);
  process.exit(2);
}
const pdf = resolve(shot).replace(/\.png$/, '.pdf');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const timeoutMs = Number(process.env.CHECK_TIMEOUT_MS || 45000);

// What the report may hold is bounded, whatever the page does: at most LIST_MAX entries a list
// (FLAGS_MAX flags; then one "… N more" entry) and STRING_MAX characters a string (then "…").
const LIST_MAX = 100;
const FLAGS_MAX = 10000;
const STRING_MAX = 500;
const TEXT_MAX = 200000;
const cut = (s, max = STRING_MAX) => {
  s = String(s);
  return s.length > max ? s.slice(0, max) + '…' : s;
};
const bounded = (list, max = LIST_MAX) =>
  list.length > max ? [...list.slice(0, max), `… ${list.length - max} more`] : list;

// The page's own address, without a fragment: the one request allowed.
const own = pathToFileURL(html).href;
const withoutHash = (url) => {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
};
const allowed = (url) => withoutHash(url) === own;

const requests = [];
const consoleErrors = [];
const pageErrors = [];
const blocked = (url) => requests.push(cut(url));

let browser;
// On a hang, exit at once: Playwright kills the browser it launched when this process exits
// (closing it politely could wait on the hung page).
const watchdog = setTimeout(() => {
  console.error(`check.mjs: ${html} was not checked within ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    // Debian's Chromium as root, on a machine without network: without the background flags it
    // keeps trying Google's hosts. Playwright adds its own fresh --user-data-dir.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      // The network off below the router too, for what the router never sees (a preconnect
      // hint opens a bare connection): no name or address resolves, loopback included, and
      // every connection would go through a proxy that does not exist.
      '--proxy-server=http://proxy.invalid:9',
      '--proxy-bypass-list=<-loopback>',
      '--host-resolver-rules=MAP * ~NOTFOUND',
    ],
    timeout: timeoutMs,
  });
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    deviceScaleFactor: 1,
    locale: 'en-US',
    timezoneId: 'UTC',
    serviceWorkers: 'block',
    offline: true,
  });
  // Every request but the page's own file is recorded (those of a popup too) and aborted before
  // it leaves; a WebSocket too (it is not routed as a request), closed before it connects.
  // `data:` and `blob:` addresses are inside the page.
  context.on('request', (request) => {
    const url = request.url();
    if (!allowed(url) && !url.startsWith('data:') && !url.startsWith('blob:')) blocked(url);
  });
  await context.route('**/*', (route) =>
    allowed(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
  );
  await context.routeWebSocket(/.*/, (ws) => {
    blocked(ws.url());
    ws.close();
  });
  const page = await context.newPage();
  // Chromium logs each aborted request as a console error too; those are already in `requests`.
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    const from = message.location().url;
    if (text.startsWith('Failed to load resource: net::ERR_BLOCKED_BY_CLIENT') && !allowed(from)) {
      return;
    }
    consoleErrors.push(cut(text));
  });
  // `TypeError: …`; a thrown value that is not an Error has no name.
  page.on('pageerror', (error) =>
    pageErrors.push(cut(error.name ? `${error.name}: ${error.message}` : error.message)),
  );
  page.on('crash', () => pageErrors.push('the page crashed'));

  const response = await page.goto(own, { waitUntil: 'load', timeout: timeoutMs });
  if (response && !response.ok()) throw new Error(`${own}: ${response.status()}`);
  // Requests made after the load event (a fetch in an onload handler, a timer) have had a moment.
  await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});

  const facts = await page.evaluate(() => ({
    // A connection hint opens a connection without a request (the proxy above refuses it).
    hints: [
      ...document.querySelectorAll('link[rel~="preconnect" i], link[rel~="dns-prefetch" i]'),
    ].map((e) => e.href),
    flags: [...document.querySelectorAll('[data-flag]')].map((e) => ({
      code: e.getAttribute('data-flag'),
      employee: e.getAttribute('data-employee'),
      subject: e.getAttribute('data-subject'),
      visible: e.checkVisibility({ opacityProperty: true, visibilityProperty: true }),
      text: e.innerText.trim(),
    })),
    text: document.body ? document.body.innerText : '',
    title: document.title,
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));

  await page.screenshot({ path: shot, fullPage: true, animations: 'disabled' });
  // The first screen alone, as a person opening the page sees it (for the README).
  await page.screenshot({ path: shot.replace(/\.png$/, '-screen.png'), animations: 'disabled' });
  const print = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  await writeFile(pdf, print);

  // Chromium writes one `/Type /Page` dictionary per page, beside one `/Type /Pages` tree.
  const pdfPages = (print.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;

  for (const hint of facts.hints) if (!allowed(hint)) blocked(hint);
  const report = {
    file: own,
    url: cut(page.url()),
    requests: bounded(requests.slice().sort()),
    console_errors: bounded(consoleErrors),
    page_errors: bounded(pageErrors),
    flags: bounded(facts.flags, FLAGS_MAX).map((f) =>
      typeof f === 'string'
        ? { code: f, employee: null, subject: null, visible: false, text: '' }
        : {
            ...f,
            code: f.code === null ? null : cut(f.code),
            employee: f.employee === null ? null : cut(f.employee),
            subject: f.subject === null ? null : cut(f.subject),
            text: cut(f.text, 2000),
          },
    ),
    text: cut(facts.text, TEXT_MAX),
    title: cut(facts.title),
    width: facts.width,
    height: facts.height,
    pdf_pages: pdfPages,
  };
  await browser.close();
  clearTimeout(watchdog);
  process.stdout.write(JSON.stringify(report) + '\n');
} catch (error) {
  clearTimeout(watchdog);
  console.error(`check.mjs: ${html}: ${error && error.stack ? error.stack : error}`);
  await browser?.close().catch(() => {});
  process.exit(1);
}
