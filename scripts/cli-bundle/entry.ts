// The entry of the CLI bundle (scripts/build.ts): cli/index.ts, imported from here so that ncc
// compiles it with this folder's tsconfig.json.
import "../../cli/index.ts";
