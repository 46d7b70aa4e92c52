// Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary,
// so CI logs end with a count that any reader (or tool) can take in at a glance.
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") failedHere++;
        else if (state === "skipped") counts.skipped++;
      }
      // A file that failed to load, or whose hooks failed, counts as a failure even when none
      // of its tests did (they were skipped, or passed before the hook broke).
      if (module.state() === "failed" && failedHere === 0) failedHere = 1;
      counts.failed += failedHere;
    }
    counts.failed += unhandledErrors.length;
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
