// The judge for core/interop_pathmatch_test.go: answers a corpus of route
// matching and organization-sync cases with Clerk's own code from
// @clerk/shared (createPathMatcher, the vendored path-to-regexp).
//
//   node pathmatch.mjs <cases.json> <answers.json>
//
// Input: {"sources": [pattern...], "routes": [{patterns, regexps, path}...],
//         "orgs": [{org, personal, path}...]}
// Output: {"node", "canon", "sources": [...], "routes": [...], "orgs": [...]}
// in the same order. Errors are reported by their message.
import { readFileSync, writeFileSync } from "node:fs";
import { createPathMatcher } from "@clerk/shared/pathMatcher";
import { match, pathToRegexp } from "@clerk/shared/pathToRegexp";

const [, , inFile, outFile] = process.argv;
const input = JSON.parse(readFileSync(inFile, "utf8"));

const errMessage = (e) => (e instanceof Error ? e.message : String(e));

// Regular-expression source of a single pattern (RegExp.prototype.source).
const sources = input.sources.map((p) => {
  try {
    return { source: pathToRegexp(p).source };
  } catch (e) {
    return { error: errMessage(e) };
  }
});

// createRouteMatcher / createPathMatcher: string patterns and RegExps.
const routes = input.routes.map((c) => {
  let matcher;
  try {
    const list = [...(c.patterns || []), ...(c.regexps || []).map((r) => new RegExp(r))];
    matcher = createPathMatcher(list);
  } catch (e) {
    return { error: errMessage(e) };
  }
  try {
    return { match: matcher(c.path) };
  } catch (e) {
    return { error: errMessage(e) };
  }
});

// Organization sync. OrganizationMatcher (@clerk/backend,
// tokens/organizationMatcher.ts) is not exported, so its logic is restated
// here around the same vendored `match` it uses (default options).
const createMatcher = (pattern) => {
  if (!pattern) return null;
  try {
    return match(pattern);
  } catch (e) {
    throw new Error(`Invalid pattern "${pattern}": ${e}`);
  }
};
const findTarget = (orgMatcher, personalMatcher, pathname) => {
  if (orgMatcher) {
    try {
      const result = orgMatcher(pathname);
      if (result && "params" in result) {
        const params = result.params;
        if (params.id) return { type: "organization", organizationId: String(params.id) };
        if (params.slug) return { type: "organization", organizationSlug: String(params.slug) };
      }
    } catch (e) {
      // Clerk logs and treats the failure as no match.
    }
  }
  if (personalMatcher) {
    try {
      if (personalMatcher(pathname)) return { type: "personalAccount" };
    } catch (e) {
      // likewise
    }
  }
  return { type: "none" };
};
const orgs = input.orgs.map((c) => {
  let org, personal;
  try {
    org = createMatcher(c.org);
    personal = createMatcher(c.personal);
  } catch (e) {
    return { error: errMessage(e) };
  }
  return findTarget(org, personal, c.path);
});

// ECMA-262 Canonicalize (ignoreCase, non-Unicode) for every code unit, in
// the encoding of core/jscase_table.go.
let canon = "";
for (let c = 0; c < 0x10000; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const u = String.fromCharCode(c).toUpperCase();
  let k = c;
  if (u.length === 1) {
    k = u.charCodeAt(0);
    if (c >= 128 && k < 128) k = c;
  }
  if (k !== c) canon += [c >> 8, c & 0xff, k >> 8, k & 0xff].map((v) => v.toString(16).padStart(2, "0")).join("");
}

writeFileSync(outFile, JSON.stringify({ node: process.version, canon, sources, routes, orgs }));
