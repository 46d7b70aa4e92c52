// A small fake of the GitHub REST API on 127.0.0.1, for the Action's pull-request comment: pull
// request files and issue comments, paginated with Link headers as GitHub does, plus a record
// of every request. Only the routes pr-comment.ts calls exist; anything else is a 404.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: "Bot" | "User" };
}

export interface FakeGitHub {
  url: string;
  /** Files of each pull request, by number. */
  pullFiles: Map<number, { filename: string; status: string }[]>;
  /** Comments of each issue / pull request, by number. */
  comments: Map<number, FakeComment[]>;
  requests: { method: string; path: string; authorization: string | undefined }[];
  /** Answer every write (POST/PATCH) with this status. */
  failWrites: number | undefined;
  close(): Promise<void>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let nextId = 1000;
  const state: Omit<FakeGitHub, "url" | "close"> = {
    pullFiles: new Map(),
    comments: new Map(),
    requests: [],
    failWrites: undefined,
  };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    state.requests.push({
      method: request.method ?? "",
      path: url.pathname + url.search,
      authorization: request.headers.authorization,
    });
    const body = await readBody(request);
    if (state.failWrites !== undefined && request.method !== "GET")
      return send(response, state.failWrites, { message: "Resource not accessible by integration" });
    let match: RegExpExecArray | null;
    if (request.method === "GET" && (match = /^\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/files$/.exec(url.pathname))) {
      return page(response, url, state.pullFiles.get(Number(match[1])) ?? []);
    }
    if ((match = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const list = state.comments.get(Number(match[1])) ?? [];
      state.comments.set(Number(match[1]), list);
      if (request.method === "GET") return page(response, url, list);
      if (request.method === "POST") {
        const comment: FakeComment = {
          id: nextId++,
          body: String(JSON.parse(body).body),
          user: { login: "github-actions[bot]", type: "Bot" },
        };
        list.push(comment);
        return send(response, 201, comment);
      }
    }
    if (request.method === "PATCH" && (match = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname))) {
      const comment = [...state.comments.values()].flat().find((candidate) => candidate.id === Number(match![1]));
      if (!comment) return send(response, 404, { message: "Not Found" });
      comment.body = String(JSON.parse(body).body);
      return send(response, 200, comment);
    }
    send(response, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function page(response: ServerResponse, url: URL, items: unknown[]): void {
    const perPage = Number(url.searchParams.get("per_page") ?? 30);
    const number = Number(url.searchParams.get("page") ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {};
    if (number < last) {
      const next = new URL(url.pathname, serverUrl);
      next.searchParams.set("per_page", String(perPage));
      next.searchParams.set("page", String(number + 1));
      headers.link = `<${next}>; rel="next"`;
    }
    send(response, 200, items.slice((number - 1) * perPage, number * perPage), headers);
  }
  const serverUrl = url;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
