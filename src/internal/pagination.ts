// Cursor pagination (section 5, "list"): one page at a time, or every item in order.
import { invalidInput } from "../errors.ts";
import type { Page } from "../objects.ts";

export interface ListParams {
  /** 1 to 100; the server's default is 20. */
  limit?: number | undefined;
  cursor?: string | undefined;
}

/** Follows `nextCursor` from the given params until the last page. */
export async function* iteratePages<T, P extends ListParams>(
  params: P,
  fetchPage: (params: P) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let cursor = params.cursor;
  do {
    const page = await fetchPage({ ...params, cursor });
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * The query string of a list call; rejects a bad `limit` before sending. Empty values are
 * left out, since the contract reads an empty value as "not given".
 */
export function listQuery(
  params: ListParams & Record<string, unknown>,
  metadata?: Record<string, string>,
): URLSearchParams {
  const { limit } = params;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100)) {
    throw invalidInput([{ path: ["limit"], message: "expected an integer from 1 to 100" }]);
  }
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  for (const [key, value] of Object.entries(metadata ?? {})) query.append(`metadata[${key}]`, value);
  return query;
}
