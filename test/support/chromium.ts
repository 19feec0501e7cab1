// Debian's Chromium flags for tests on these machines: without the background-networking ones it keeps
// trying hosts the closed network refuses. playwright-core adds --headless itself when asked.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
