// Test support: a real River process (the built CLI) on a free port, and headless Debian chromium driven by
// playwright-core with a fresh profile.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliDll = process.env.RIVER_CLI_DLL || join(repoRoot, 'src/River.Cli/bin/Release/net10.0/River.Cli.dll');
// RIVER_TEST_CLI names a native executable (the published CLI, artifacts/river/River.Cli) to run instead of the DLL.
const cliCommand = process.env.RIVER_TEST_CLI ? [process.env.RIVER_TEST_CLI] : ['dotnet', cliDll];
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

/** A TCP port that was free a moment ago (River takes it next; the race is harmless on a test machine). */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** A port that refuses connections: taken then released, nothing listens on it. */
export const closedPort = freePort;

/**
 * Starts `river run main.alloy` in a fresh directory and waits for /-/ready. The config file can be rewritten with
 * writeConfig(); River watches it and reloads.
 */
export async function startRiver(config, { readyTimeoutMs = 90_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'river-ui-'));
  const configPath = join(dir, 'main.alloy');
  await writeFile(configPath, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(cliCommand[0], [...cliCommand.slice(1), 'run', configPath, `--server.http.listen-addr=127.0.0.1:${port}`,
    '--storage.path', join(dir, 'data')], {
    cwd: dir, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((ok) => child.once('exit', (code) => ok(code)));

  const river = {
    url, dir, configPath,
    output: () => output,
    writeConfig: (text) => writeFile(configPath, text),
    api: async (path) => {
      const response = await fetch(url + path);
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return response.json();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await river.stop();
      throw new Error(`river exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      const response = await fetch(url + '/-/ready');
      if (response.status === 200) return river;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await river.stop();
      throw new Error(`river was not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** Headless chromium (the Debian package) with a fresh profile directory; close() removes the profile. */
export async function startBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'river-ui-chromium-'));
  // launchPersistentContext is Playwright's way to pass --user-data-dir: the profile is ours and new for each run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.on('pageerror', (error) => { page.errors = [...(page.errors || []), error]; });
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a UI page and waits until its first render is on screen. */
export async function open(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-loaded="true"]', { timeout: 15_000 });
}
