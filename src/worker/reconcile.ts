import type { StepQueue } from "./queue";

const RECONCILE_PAGE = 1_000;

/**
 * The reconciler both queues share: every id that `page` lists (unfinished generations,
 * pending webhook deliveries), oldest first in pages, gets a job unless it has one (the queue
 * never moves or doubles a job that exists). Stops early once `running()` turns false.
 * Returns how many ids it handed to the queue.
 */
export async function reconcileInPages(
  queue: Pick<StepQueue, "scheduleMany">,
  page: (after: string | undefined, take: number) => Promise<Array<{ id: string }>>,
  running: () => boolean,
): Promise<number> {
  let after: string | undefined;
  let count = 0;
  for (;;) {
    const rows = await page(after, RECONCILE_PAGE);
    if (rows.length === 0 || !running()) return count;
    await queue.scheduleMany(rows.map((row) => row.id));
    count += rows.length;
    after = rows.at(-1)?.id;
    if (rows.length < RECONCILE_PAGE) return count;
  }
}
