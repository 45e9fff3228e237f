// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core.
// Seeds a fresh store — a revoked kudos and a hidden person through the store API (SEED_BINARY,
// tests/browser/seed_trust.cpp), then a team's kudos through `brigade run` (console mode, commands
// on stdin) — opens the page it serves, checks the leaderboard, the chart and the revoked kudos,
// looks a kudos up by its K id, downloads the CSV, reads the audit API, filters by person and by
// channel, and saves screenshots.
//
//   node dashboard_test.js BRIGADE_BINARY SEED_BINARY OUT_DIR
// Exit 0 on success; every failure prints one line saying what was missing.
'use strict';

const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [binary, seeder, outDir] = process.argv.slice(2);
const CHROMIUM = process.env.BRIGADE_CHROMIUM || '/usr/bin/chromium';
const DEADLINE_MS = 60000;

function fail(message) {
  process.stderr.write(`browser test: ${message}\n`);
  process.exit(1);
}

function loadPlaywright() {
  try {
    return require('playwright-core');
  } catch (e) {
    fail('playwright-core is not installed: run `make test` (it runs npm ci in tests/browser)');
  }
}

function waitFor(stream, pattern, ms) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" within ${ms} ms; output:\n${seen}`)), ms);
    stream.on('data', (chunk) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

// The revoked kudos is listed, struck through, with its K id and who revoked it and why.
async function checkRevoked(page, revoked) {
  const item = page.locator(`#recent li[data-kudos="${revoked}"]`);
  if ((await item.count()) !== 1) fail(`recent recognition does not list ${revoked}: ${await page.textContent('#recent')}`);
  const text = await item.textContent();
  if (!text.includes(revoked) || !text.includes('revoked by dave: meant for bob')) fail(`${revoked} is not shown as revoked: ${text}`);
  const line = await item.locator('del').evaluate((e) => getComputedStyle(e).textDecorationLine);
  if (line !== 'line-through') fail(`${revoked} is not struck through (text-decoration-line: ${line})`);
  const live = await page.locator('#recent li.kudos:not(.revoked) a.kid').count();
  if (live < 5) fail(`the live kudos lack their K ids (${live} found)`);
}

// GET /api/v1/audit: the seeder's two entries, oldest first, and an intact chain.
async function checkAuditApi(port, revoked) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/audit?verify=1`);
  const audit = await res.json();
  const actions = audit.entries.map((e) => `${e.action}:${e.subject}`).join(' ');
  if (actions !== `privacy:console:frank revoke:${revoked}`) fail(`the audit API lists ${actions}`);
  if (!audit.verify.ok || audit.verify.entries !== 2 || audit.verify.head !== audit.entries[1].hash)
    fail(`the audit chain does not check out: ${JSON.stringify(audit.verify)}`);
}

// An admin types the K id into "Find a kudos" and sees what became of it, with its audit entry.
async function checkLookup(page, port, revoked, outDir) {
  await page.fill('#find-kudos input[name=kudos]', revoked.toLowerCase());
  await Promise.all([page.waitForURL(/kudos=/), page.click('#find-kudos button[type=submit]')]);
  const found = await page.textContent('#kudos');
  if (!found.includes(`Kudos ${revoked}`) || !found.includes('Not counted: revoked by dave: meant for bob'))
    fail(`looking ${revoked} up does not show it revoked: ${found}`);
  const trail = await page.textContent('#kudos-audit');
  if (!/dave · revoke · meant for bob/.test(trail)) fail(`the lookup lacks the audit entry: ${trail}`);
  await page.locator('#kudos').screenshot({ path: path.join(outDir, 'dashboard-kudos-lookup.png') });
  await page.goto(`http://127.0.0.1:${port}/?period=month`);
}

async function main() {
  if (!binary || !seeder || !outDir) fail('usage: node dashboard_test.js BRIGADE_BINARY SEED_BINARY OUT_DIR');
  if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: run \`make test\` (it installs Debian's chromium)`);
  const { chromium } = loadPlaywright();
  fs.mkdirSync(outDir, { recursive: true });
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'brigade-browser-'));
  // frank, thanked 3 times and hidden from rankings; a kudos to alice revoked by dave (its K id).
  const revoked = execFileSync(seeder, [data], { encoding: 'utf8' }).trim();
  if (!/^K\d+$/.test(revoked)) fail(`the seeder printed "${revoked}", not a K id`);
  const env = { ...process.env, BRIGADE_DATA_DIR: data, BRIGADE_HTTP_ADDR: '127.0.0.1:0', BRIGADE_TZ: 'UTC',
                BRIGADE_DAILY_QUOTA: '0', BRIGADE_CONFIG: '' };
  for (const k of ['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN', 'MATRIX_HOMESERVER', 'MATRIX_ACCESS_TOKEN', 'MATRIX_PASSWORD',
                   'BRIGADE_HTTP_TOKEN', 'BRIGADE_CONFIG'])
    delete env[k];
  const bot = spawn(binary, ['run'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const killer = setTimeout(() => { bot.kill('SIGKILL'); fail('deadline passed'); }, DEADLINE_MS);
  let browser;
  try {
    const [, port] = await waitFor(bot.stderr, /(?:web: API on|Dashboard and API:) http:\/\/127\.0\.0\.1:(\d+)/, 20000);
    // Seed: a team thanking each other, with values, in two channels, and a resolved help request.
    const lines = [
      '/as carol', '/thanks @alice for the release review #teamwork', '/thanks @bob for fixing the build #craft',
      '/as dave', '/thanks @alice for the <b>night</b> shift #teamwork', '/ask who can review my migration?',
      '/as alice', '/ask take 1', '/as dave', '/ask done 1',
      '/channel ops', '/as erin', '/praise @bob kept the pager quiet all week #ownership',
    ];
    bot.stdin.write(lines.join('\n') + '\n');
    await waitFor(bot.stdout, /kept the pager quiet/, 10000);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true });
    const page = await context.newPage();
    const external = [];
    page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`)) external.push(r.url()); });
    await page.goto(`http://127.0.0.1:${port}/?period=month`);

    const board = await page.textContent('#leaderboard');
    if (!/alice/.test(board) || !/bob/.test(board)) fail(`the leaderboard lacks alice and bob: ${board}`);
    if (/frank/.test(board)) fail(`frank is hidden from rankings but on the leaderboard: ${board}`);
    await checkRevoked(page, revoked);
    const ranking = await page.textContent('#summary table');
    if (/frank/.test(ranking)) fail(`frank is hidden but in the summary ranking everyone: ${ranking}`);
    if (!(await page.isVisible('#unranked'))) fail('the summary does not say that someone is left out of it');
    const bars = await page.locator('#chart rect').count();
    if (bars < 28) fail(`the chart has ${bars} bars, expected one per day of the month`);
    const recent = await page.textContent('#recent');
    if (!recent.includes('<b>night</b>')) fail('user text in recent recognition is not shown literally (escaped)');
    const help = await page.textContent('#help');
    if (!/review my migration/.test(help)) fail(`the resolved help request is missing: ${help}`);
    const values = await page.textContent('#values');
    if (!/#teamwork/.test(values)) fail(`the values panel lacks #teamwork: ${values}`);
    await page.screenshot({ path: path.join(outDir, 'dashboard-tv.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
    const csvPath = path.join(outDir, 'summary.csv');
    await download.saveAs(csvPath);
    const csv = fs.readFileSync(csvPath, 'utf8');
    if (!csv.startsWith('user,name,received,given,')) fail(`the CSV does not start with its header: ${csv.slice(0, 80)}`);
    if (!/console:alice,alice,\d+,/.test(csv)) fail(`the CSV lacks alice's row: ${csv}`);
    if (!csv.split('\r\n')[0].endsWith(',reasons,reason_ids,ranked')) fail(`the CSV lacks reason_ids and ranked: ${csv}`);
    if (!/^console:frank,frank,3,.*,false\r$/m.test(csv)) fail(`the CSV lacks frank's row, marked not ranked: ${csv}`);
    await checkAuditApi(port, revoked);
    await checkLookup(page, port, revoked, outDir);

    // The manager view's Person takes a bare name, and says so when no one has it.
    await page.fill('#summary input[name=user]', 'alice');
    await Promise.all([page.waitForURL(/user=alice/), page.click('#summary button[type=submit]')]);
    const people = await page.locator('#summary table tr').count();
    const summary = await page.textContent('#summary table');
    if (people !== 2 || !/alice/.test(summary)) fail(`"alice" in Person does not show alice alone: ${summary}`);
    // Her kudos are listed one by one, the revoked one struck through: where an admin finds a K id.
    const theirs = await page.textContent('#person-kudos');
    if ((await page.locator(`#person-kudos li.revoked[data-kudos="${revoked}"]`).count()) !== 1)
      fail(`alice's kudos lack the revoked ${revoked}: ${theirs}`);
    // Asked for by name, a hidden person is shown, marked.
    await page.fill('#summary input[name=user]', 'frank');
    await Promise.all([page.waitForURL(/user=frank/), page.click('#summary button[type=submit]')]);
    const frank = await page.textContent('#summary table');
    if (!/frank \(not ranked\)\s*3/.test(frank)) fail(`frank, asked for by name, is not shown marked: ${frank}`);
    await page.locator('#summary').screenshot({ path: path.join(outDir, 'dashboard-hidden-person.png') });
    await page.fill('#summary input[name=user]', 'nobody');
    await Promise.all([page.waitForURL(/user=nobody/), page.click('#summary button[type=submit]')]);
    const none = await page.textContent('#summary');
    if (!none.includes("no one called 'nobody'")) fail(`an unknown name is not reported: ${none}`);

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`http://127.0.0.1:${port}/?period=week&channel=console%3Aops`);
    const opsBoard = await page.textContent('#leaderboard');
    if (!/bob/.test(opsBoard) || /alice/.test(opsBoard)) fail(`the ops channel leaderboard is wrong: ${opsBoard}`);
    const opsRecent = await page.textContent('#recent');
    if (!/pager/.test(opsRecent) || /night/.test(opsRecent)) fail(`recent recognition ignores the channel: ${opsRecent}`);
    await page.screenshot({ path: path.join(outDir, 'dashboard-laptop.png'), fullPage: true });
    if (external.length) fail(`the page fetched from elsewhere: ${external.join(', ')}`);
    process.stdout.write(`browser test: ok (screenshots and CSV in ${outDir})\n`);
  } catch (e) {
    fail(e.message);
  } finally {
    if (browser) await browser.close();
    bot.stdin.end();
    clearTimeout(killer);
    bot.kill('SIGTERM');
    fs.rmSync(data, { recursive: true, force: true });
  }
}

main();
