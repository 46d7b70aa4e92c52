// Moved to src/internal/rules.ts. This path stays only for imports from action/ and provider/ written
// before the move; switch them to the new path (or to the package entry), then delete this file.
export * from "./internal/rules.ts";
