// Debian's Chromium driven by playwright-core (no browser download: it uses /usr/bin/chromium).
import { chromium } from 'playwright-core';

// Without the background-networking flags Chromium keeps trying Google's hosts, which this
// closed network refuses; --no-sandbox because the tests run as root.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Playwright starts Chromium with a fresh temporary profile of its own; each `newContext()` is
 * a further fresh cookie jar and storage.
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ARGS,
  });
  return {
    browser,
    newContext: () => browser.newContext({ viewport: { width: 1280, height: 800 } }),
    close: () => browser.close(),
  };
}

/**
 * Fills oidc-provider's development login form if it is shown (it is only on the first login of
 * a browser; later logins reuse the IdP session and show nothing).
 */
export async function loginAtIdp(page, login) {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await page.click('button[type="submit"]');
}
