import { existsSync } from "node:fs";
import type { Page } from "playwright-core";

/**
 * Chromium for the browser tests (test/browser). It comes from Debian (`apt-get install -y
 * chromium`). Without it those tests are skipped on a developer machine but fail under CI,
 * where a skip would hide a broken install.
 */
export const CHROMIUM = "/usr/bin/chromium";
export const onCI = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());
export const hasChromium = existsSync(CHROMIUM);

// Playwright gives each launch a fresh temporary --user-data-dir and deletes it on close.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The URLs in `requested` that went anywhere but `origin` (blob: URLs count as their origin's). */
export function foreignRequests(requested: readonly string[], origin: string): string[] {
  return requested.filter((url) => {
    const { protocol, origin: seen } = new URL(url.startsWith("blob:") ? url.slice("blob:".length) : url);
    return protocol !== "data:" && seen !== origin;
  });
}

/** Opens the gateway's GraphiQL and waits until its query editor has painted. */
export async function openGraphiQL(page: Page, gatewayUrl: string): Promise<Page> {
  await page.goto(`${gatewayUrl}/graphql`, { waitUntil: "load", timeout: 30_000 });
  await page.locator(".graphiql-query-editor .monaco-editor").waitFor({ state: "visible", timeout: 30_000 });
  return page;
}

/**
 * Replaces a Monaco editor's text as one input, like a paste. Pass a single line: Monaco
 * auto-indents and auto-closes brackets after each inserted newline, which corrupts the text.
 */
export async function replaceEditorText(page: Page, container: string, text: string): Promise<void> {
  const editor = page.locator(`${container} .monaco-editor`).first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.insertText(text);
  await page.keyboard.press("Escape"); // close any suggestion widget
}

/**
 * Replaces the Variables pane's text. The default tabs carry headers, so GraphiQL opens on the
 * Headers pane: switch to Variables first.
 */
export async function replaceVariables(page: Page, text: string): Promise<void> {
  await page.locator(".graphiql-editor-tools").getByRole("button", { name: "Variables" }).click();
  await replaceEditorText(page, ".graphiql-editor-tool", text);
}

/** What a Monaco editor shows (it renders spaces as no-break spaces). */
export async function visibleText(page: Page, container: string): Promise<string> {
  return (await page.locator(container).innerText()).replace(/\u00a0/g, " ");
}
