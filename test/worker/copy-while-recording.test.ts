import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { mediaKeyFor } from "../../src/media/keys";
import type { SegmindClient } from "../../src/segmind/types";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { until } from "../support/until";

// Once Segmind's result is read, the poll step writes the STORING record (output URL, cost,
// seed) and copies the video at the same time, not one after the other (store.ts,
// storeWhileRecording). To see that, a second connection holds the generation's row lock from
// the moment the result is read, so the record waits as it does behind a busy database.
// PostgreSQL only: SQLite's busy wait holds the whole event loop, so nothing overlaps it.

describeEachDatabase(
  "the video's copy and its STORING record",
  (target) => {
    let harness: Harness | undefined;
    let locker: pg.Client | undefined;
    afterEach(async () => {
      await locker?.query("ROLLBACK").catch(() => undefined);
      await locker?.end();
      locker = undefined;
      await harness?.close();
      harness = undefined;
    });

    /** A gateway whose generation's row is locked by `locker` as soon as its result has been read. */
    async function lockedAtResult() {
      let downloadsStarted = 0;
      let locked = false;
      const h = await startHarness(target, {
        wrapSegmind: (client): SegmindClient => ({
          ...client,
          baseUrl: client.baseUrl,
          modelSlug: client.modelSlug,
          async getResult(requestId, options) {
            const result = await client.getResult(requestId, options);
            await locker!.query("BEGIN");
            await locker!.query(`SELECT 1 FROM "Generation" WHERE "upstreamRequestId" = $1 FOR UPDATE`, [requestId]);
            locked = true;
            return result;
          },
          async download(url, options) {
            downloadsStarted += 1;
            return client.download(url, options);
          },
        }),
      });
      harness = h;
      locker = new pg.Client({ connectionString: h.database.url });
      await locker.connect();
      const id = localId((await h.generate(VALID_INPUT)).generation.id);
      await until("the result is read and the row locked", () => locked);
      return { h, id, downloadsStarted: () => downloadsStarted };
    }

    const statusOf = async (h: Harness, id: string) => (await h.db.generation.findUniqueOrThrow({ where: { id } })).status;
    const file = (h: Harness, id: string) => join(h.mediaDir, mediaKeyFor(id));

    it("starts the copy while the STORING record waits for the database, and ends SUCCEEDED once both are done", async () => {
      const { h, id, downloadsStarted } = await lockedAtResult();
      // The record is held back by the lock; the copy must not be.
      await until("the copy has started", () => downloadsStarted() === 1);
      await until("the copy is stored", () => existsSync(file(h, id)));
      expect(await statusOf(h, id)).not.toBe("STORING");
      await locker!.query("COMMIT");

      const row = await h.waitForStatus(id, ["SUCCEEDED", "FAILED"]);
      expect(row.status).toBe("SUCCEEDED");
      expect(row.upstreamOutputUrl).toMatch(/^http/);
      expect(existsSync(file(h, id))).toBe(true);
      const events = await h.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
      const moves = events.filter((event) => event.type === "STATUS_CHANGED").map((event) => event.toStatus);
      expect(moves.slice(-2)).toEqual(["STORING", "SUCCEEDED"]);
      // Every exchange is in the history once: the reads before STORING, the download before SUCCEEDED.
      const calls = events.filter((event) => event.type === "UPSTREAM_CALL");
      const storingAt = events.findIndex((event) => event.toStatus === "STORING");
      const downloads = calls.filter((event) => event.path?.startsWith("/outputs/"));
      expect(downloads).toHaveLength(1);
      expect(events.indexOf(downloads[0]!)).toBeGreaterThan(storingAt);
      expect(h.standIn.stats.downloads).toBe(1);
    });

    it("discards the copy of a generation that ended before its result was recorded, and keeps the reads", async () => {
      const { h, id, downloadsStarted } = await lockedAtResult();
      await until("the copy is stored", () => downloadsStarted() === 1 && existsSync(file(h, id)));
      // Another writer (a cancel on another instance) ends the row first.
      await locker!.query(`UPDATE "Generation" SET status = 'CANCELED', "errorCode" = 'CANCELED', "completedAt" = now() WHERE id = $1`, [id]);
      await locker!.query("COMMIT");

      await until("the copy is removed", () => !existsSync(file(h, id)));
      await h.gateway.services.worker.idle();
      expect(await statusOf(h, id)).toBe("CANCELED");
      const events = await h.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
      expect(events.some((event) => event.toStatus === "STORING" || event.toStatus === "SUCCEEDED")).toBe(false);
      const paths = events.filter((event) => event.type === "UPSTREAM_CALL").map((event) => `${event.method} ${event.path}`);
      expect(paths.filter((path) => path.endsWith("/status"))).not.toHaveLength(0);
      expect(paths.filter((path) => /^GET \/v2\/requests\/[^/]+$/.test(path))).toHaveLength(1);
      expect(paths.filter((path) => path.startsWith("GET /outputs/"))).toHaveLength(1);
    });
  },
  { only: ["postgresql"] },
);
