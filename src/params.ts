// Moved to src/internal/send-params.ts. This path stays only for imports from action/ and provider/ written
// before the move; switch them to the new path (or to the package entry), then delete this file.
export * from "./internal/send-params.ts";
export type { SendOptions, SendRawOptions, TemplateBatchItem, RawBatchItem, BatchItem, RawContent } from "./resources/messages.ts";
