// List queries and pagination (section 5's list, section 10's list rules). Every list is newest
// first; the cursor names the position after the last item returned (its sequence number), so
// it does not depend on the filters. An empty value means "not given"; unknown or repeated
// parameters and bad values → 400 invalid_parameter, listing every issue.
import { invalidParameter } from "./errors.ts";
import type { Issue } from "../src/errors.ts";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export interface ListQuerySpec {
  /** Parameters whose value must be one of the listed ones. */
  enums?: Record<string, readonly string[]>;
  /** Free-form string parameters. */
  strings?: readonly string[];
  /** Accept `metadata[<key>]=<value>`. */
  metadata?: boolean;
  /** False for a single-object GET: only the spec's filters, no limit or cursor. */
  paginated?: boolean;
}

export interface ListQuery {
  limit: number;
  /** Items strictly older than this sequence number; undefined for the first page. */
  before: number | undefined;
  filters: Map<string, string>;
  metadata: Map<string, string>;
}

const CURSOR_PATTERN = /^c_[0-9a-z]{1,11}$/;

export function parseListQuery(search: string, spec: ListQuerySpec): ListQuery {
  const query: ListQuery = { limit: DEFAULT_LIMIT, before: undefined, filters: new Map(), metadata: new Map() };
  if (search === "") return query;
  const paginated = spec.paginated !== false;
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (seen.has(name)) {
      issues.push({ path: [name], message: "given more than once" });
      continue;
    }
    seen.add(name);
    const metadataKey = spec.metadata === true ? metadataKeyOf(name) : undefined;
    const isKnown =
      metadataKey !== undefined ||
      (paginated && (name === "limit" || name === "cursor")) ||
      (spec.enums !== undefined && Object.hasOwn(spec.enums, name)) ||
      spec.strings?.includes(name) === true;
    if (!isKnown) {
      issues.push({ path: [name], message: "unknown parameter" });
      continue;
    }
    if (value === "") continue; // an empty value means "not given"
    if (metadataKey !== undefined) {
      query.metadata.set(metadataKey, value);
    } else if (name === "limit") {
      const limit = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
      if (!(limit >= 1 && limit <= MAX_LIMIT))
        issues.push({ path: ["limit"], message: `must be an integer from 1 to ${MAX_LIMIT}` });
      else query.limit = limit;
    } else if (name === "cursor") {
      if (!CURSOR_PATTERN.test(value)) issues.push({ path: ["cursor"], message: "not a cursor returned by this list" });
      else query.before = parseInt(value.slice(2), 36);
    } else {
      const allowed = spec.enums?.[name];
      if (allowed !== undefined && !allowed.includes(value)) {
        issues.push({ path: [name], message: `must be one of ${allowed.join(", ")}` });
      } else {
        query.filters.set(name, value);
      }
    }
  }
  if (issues.length > 0) throw invalidParameter(issues);
  return query;
}

/** `metadata[key]` → `key`; undefined for any other name. */
function metadataKeyOf(name: string): string | undefined {
  if (!name.startsWith("metadata[") || !name.endsWith("]") || name.length < 11) return undefined;
  return name.slice(9, -1);
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * One page, newest first, of `items` (sorted by ascending `seqOf`), keeping those that `matches`.
 */
export function pageNewestFirst<T>(
  items: readonly T[],
  seqOf: (item: T) => number,
  query: ListQuery,
  matches: (item: T) => boolean = () => true,
): Page<T> {
  let index = items.length - 1;
  if (query.before !== undefined) {
    // Binary search for the last item older than the cursor.
    let low = 0;
    let high = items.length - 1;
    index = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (seqOf(items[mid]!) < query.before) {
        index = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
  }
  const data: T[] = [];
  for (; index >= 0; index--) {
    const item = items[index]!;
    if (!matches(item)) continue;
    if (data.length === query.limit) {
      // One more match exists: there is a next page, starting after the last item returned.
      return { data, nextCursor: encodeCursor(seqOf(data[data.length - 1]!)) };
    }
    data.push(item);
  }
  return { data, nextCursor: null };
}

function encodeCursor(seq: number): string {
  return "c_" + seq.toString(36);
}

export function listJson<T>(page: Page<T>, toJson: (item: T) => unknown): Record<string, unknown> {
  return { object: "list", data: page.data.map(toJson), next_cursor: page.nextCursor };
}
