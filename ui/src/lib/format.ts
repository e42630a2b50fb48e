// Pure helpers the views share (unit-tested in format.test.ts).
import type { Account } from "../bindings/Account";
import type { OrgUnit } from "../bindings/OrgUnit";

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function age(iso: string, now: Date = new Date()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "at an unknown time";
  const s = Math.max(0, Math.round((now.getTime() - then) / 1000));
  if (s < 45) return "just now";
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.round(s / size);
      return `${n} ${name}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "1 minute ago";
}

/** How long until `iso`: "in 5 minutes", "in 2 hours", "in 3 days" ("now" once it passed). */
export function until(iso: string, now: Date = new Date()): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "at an unknown time";
  const s = Math.round((then - now.getTime()) / 1000);
  if (s <= 30) return "now";
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.round(s / size);
      return `in ${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return "in 1 minute";
}

/** 1234 ms → "1.2 s"; 75000 → "1 min 15 s". */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

/** Case-insensitive match of every word of `query` against any of `fields`. */
export function matches(query: string, ...fields: (string | null | undefined)[]): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = fields.filter(Boolean).join(" ").toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** Pretty-printed JSON, or the text as it was when it is not JSON. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export interface TreeNode {
  ou: OrgUnit;
  depth: number;
  children: TreeNode[];
  accounts: Account[];
}

/** The OU tree, root first, children and accounts sorted by name. */
export function buildTree(ous: OrgUnit[], accounts: Account[]): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const ou of ous) nodes.set(ou.id, { ou, depth: 0, children: [], accounts: [] });
  const roots: TreeNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.ou.parent_id ? nodes.get(node.ou.parent_id) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  for (const a of accounts) nodes.get(a.parent_id)?.accounts.push(a);
  const byName = (x: TreeNode, y: TreeNode) => x.ou.name.localeCompare(y.ou.name);
  const settle = (n: TreeNode, depth: number) => {
    n.depth = depth;
    n.children.sort(byName);
    n.accounts.sort((x, y) => x.name.localeCompare(y.name));
    n.children.forEach((c) => settle(c, depth + 1));
  };
  roots.sort(byName).forEach((r) => settle(r, 0));
  return roots;
}

/** The slice of rows a virtual list of fixed-height rows must render. */
export function visibleRange(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): { start: number; end: number } {
  const start = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(total, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);
  return { start, end };
}
