import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { catalog } from '../../src/catalog';
import { parseConfig } from '../../src/config';
import type { Progress, RunPlan } from '../../src/contracts';
import { startCluster, type SimCluster } from '../../src/sim';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { createRunbookWorker, type RunbookWorker } from '../../src/worker';
import { launchChromium } from '../helpers/browser';
import { progressUntil } from '../helpers/runbook-env';
import { uniqueName } from '../helpers/temporal';

// The Temporal Web UI in a real browser (Debian's Chromium driven by playwright-core, headless, loopback only): every
// runbook starts from the UI's Start Workflow form with its documented JSON input, and a run's page shows its
// summary and, on the tab "User Metadata", its current details. Screenshots go to a temporary folder, or to docs/
// with MESOS_RUNBOOKS_SCREENSHOTS=docs (how docs/webui-*.png were made).
const DOCS = process.env.MESOS_RUNBOOKS_SCREENSHOTS ? path.resolve(__dirname, '../..', process.env.MESOS_RUNBOOKS_SCREENSHOTS) : mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-shots-'));

describe('the Web UI', () => {
  let server: DevServer;
  let dataDir: string;
  let sim: SimCluster;
  let worker: RunbookWorker;
  let connection: NativeConnection;
  let client: Client;
  let browser: Browser;
  let page: Page;
  const taskQueue = uniqueName('ui');

  beforeAll(async () => {
    browser = await launchChromium(); // installs Debian's chromium first when it is missing
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mesos-runbooks-webui-'));
    server = await startDevServer({ dataDir, headless: false, log: () => undefined });
    sim = await startCluster({ seed: 11, agents: 5, tasksPerAgent: 1, timeScale: 20 });
    // The cluster is "default", so the documented inputs (which name no cluster) run as written.
    const config = parseConfig({ temporal: { address: server.address, taskQueue }, clusters: { default: { masters: sim.masters } } });
    connection = await NativeConnection.connect({ address: server.address });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    worker = await createRunbookWorker({ config, connection, taskQueue, client });
    void worker.run();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await worker?.shutdown();
    await connection?.close();
    await client?.connection.close();
    await sim?.stop();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Fills the UI's Start Workflow form; `submit` then starts it and follows the toast's link to the run's page. */
  async function fillForm(workflowId: string, workflowType: string, input: unknown): Promise<void> {
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/start-workflow`);
    await page.locator('#workflowId').fill(workflowId);
    await page.locator('#taskQueue').fill(taskQueue);
    await page.locator('#workflowType').fill(workflowType);
    await page.locator('.cm-content').first().click();
    await page.keyboard.insertText(JSON.stringify(input));
    await page.locator('#workflowType').click(); // the editor hands its text to the form when it loses focus
  }
  async function submit(): Promise<void> {
    await page.getByRole('button', { name: 'Start Workflow' }).last().click();
    await page.getByRole('link', { name: 'Workflow started successfully' }).click();
    await page.waitForURL(/\/workflows\/[^/]+\/[^/]+\/history/, { timeout: 20_000 });
  }

  it('a run started by our start paths shows its summary on the tab User Metadata', async () => {
    const { RunbookClient } = await import('../../src/temporal/control');
    const runs = new RunbookClient({ client, taskQueue, identity: 'jest' });
    const run = await runs.start('drainAgent', { hostname: 'agent-3.sim.local', reason: 'summary check', maxGracePeriodSeconds: 5 });
    await client.workflow.getHandle(run.workflowId).result();
    await page.goto(`${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(run.workflowId)}/${run.runId}/history`);
    await page.getByRole('tab', { name: /User Metadata/ }).click();
    // Summary and current details are Markdown, each rendered in a sandboxed frame.
    expect(await textInFrames(page, 'drainAgent on default: agent-3.sim.local — summary check')).toBe(true);
    expect(await textInFrames(page, 'phase: done')).toBe(true);
    await page.screenshot({ path: path.join(DOCS, 'webui-summary.png') });
  });

  it('every runbook starts from the Start Workflow form with its documented input (plan mode: nothing changes)', async () => {
    for (const entry of catalog().values()) {
      const workflowId = `${entry.name}/default/${uniqueName('ui-plan')}`;
      await fillForm(workflowId, entry.name, { ...entry.example, dryRun: true });
      await submit();
      expect(decodeURIComponent(page.url())).toContain(`/workflows/${workflowId}/`);
      const plan = (await client.workflow.getHandle(workflowId).result()) as RunPlan;
      expect(plan).toMatchObject({ runbook: entry.name, dryRun: true, cluster: 'default' });
      expect(plan.steps.map((s) => s.name)).toEqual(entry.steps);
    }
  });

  it("a drainAgent started from the form: the run's page shows its summary and, on the tab User Metadata, its current details", async () => {
    const input = { hostname: 'agent-2.sim.local', reason: 'kernel upgrade', maxGracePeriodSeconds: 60, reactivate: true };
    const workflowId = 'drainAgent/default/agent-2.sim.local';
    await fillForm(workflowId, 'drainAgent', input);
    await page.screenshot({ path: path.join(DOCS, 'webui-start-workflow.png') });
    await submit();

    const handle = client.workflow.getHandle(workflowId);
    await expect(handle.result()).resolves.toMatchObject({ finalState: 'REACTIVATED' });
    const progress = await progressUntil(handle, (p: Progress) => p.phase === 'done');
    expect(progress.steps.map((s) => s.status)).not.toContain('failed');

    // The run's page: its summary (type, status, task queue) ...
    await page.reload();
    await expect(page.getByText('Completed').first()).toBeVisibleSoon();
    await expect(page.getByRole('link', { name: 'drainAgent' }).first()).toBeVisibleSoon();
    await expect(page.getByRole('link', { name: taskQueue }).first()).toBeVisibleSoon();
    // ... and its current details on the tab User Metadata, as the kit wrote them.
    await page.getByRole('tab', { name: /User Metadata/ }).click();
    // The UI renders current details (Markdown) in a sandboxed frame.
    const details = page.frameLocator('iframe').first();
    await expect(details.getByText(/phase:\s*done/).first()).toBeVisibleSoon();
    await expect(details.getByText('reactivate — REACTIVATE_AGENT accepted').first()).toBeVisibleSoon();
    await expect(details.getByText('approval — not required (the input does not ask for it and the policy does not force it)').first()).toBeVisibleSoon();
    // The UI's form (2.42.1) has no summary field: a run started there has none; the current details' first line says the same.
    await expect(page.getByText('No summary available').first()).toBeVisibleSoon();
    await page.screenshot({ path: path.join(DOCS, 'webui-user-metadata.png') });
    expect(statSync(path.join(DOCS, 'webui-user-metadata.png')).size).toBeGreaterThan(10_000);
  });
});

/** True once some frame of the page shows `text` (bounded: 15 s). */
async function textInFrames(page: Page, text: string): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if ((await frame.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').includes(text)) return true;
    }
    await page.waitForTimeout(200);
  }
  return false;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    interface Matchers<R> {
      toBeVisibleSoon(): Promise<R>;
    }
  }
}
expect.extend({
  async toBeVisibleSoon(locator: import('playwright-core').Locator) {
    try {
      await locator.waitFor({ state: 'visible', timeout: 15_000 });
      return { pass: true, message: () => 'visible' };
    } catch (err) {
      return { pass: false, message: () => `not visible within 15 s: ${(err as Error).message}` };
    }
  },
});
