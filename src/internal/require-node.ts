// Imported first by the package entry: ES modules run their imports in order, so this check runs
// before the module graph reaches undici (which breaks on old Nodes with an unrelated error).
import { nodeVersionProblem } from "./node-version.ts";

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) throw new Error(problem);
