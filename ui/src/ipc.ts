// Every call from the UI to the Rust core goes through this module.
import { invoke } from "@tauri-apps/api/core";

export interface AppError {
  code: string;
  message: string;
}

export interface SnapshotInfo {
  id: number;
  started_at: string;
  finished_at: string;
  status: string;
  strategy: string | null;
  full_scan: boolean;
  api_calls: number;
  duration_ms: number;
  error: string | null;
  rows_changed: number;
}

export interface Counts {
  accounts: number;
  ous: number;
  instances: number;
  permission_sets: number;
  users: number;
  groups: number;
  memberships: number;
  assignments: number;
}

export interface Overview {
  snapshot: SnapshotInfo | null;
  counts: Counts | null;
}

export function overview(): Promise<Overview> {
  return invoke<Overview>("overview");
}

export function errorMessage(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e) {
    return String((e as AppError).message);
  }
  return String(e);
}
