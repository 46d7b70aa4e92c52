// The Action's entry point, bundled into dist/index.js (action.yml runs it on node24).
import { run } from "./run.ts";

await run();
