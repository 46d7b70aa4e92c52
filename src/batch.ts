// Moved to src/internal/batch.ts. This path stays only for imports from action/ and provider/ written
// before the move; switch them to the new path (or to the package entry), then delete this file.
export * from "./internal/batch.ts";
export type { BatchResult, BatchProgress, SendBatchOptions } from "./resources/messages.ts";
