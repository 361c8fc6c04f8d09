/**
 * The chat bot's authorization table (configuration `chatops.allow`, docs/chatops.md): each row names Slack users
 * and user groups, the runbooks and clusters it covers, and what they may do. The first row that covers the user,
 * the runbook and the cluster decides; no such row refuses, saying so. Pure (group membership is given).
 */
import { matchesName, type ChatAllow, type ChatPermission } from '../config/triggers';

export interface AuthzRequest {
  user: string;
  /** The user groups the user is in (of those the table names). */
  groups: string[];
  action: ChatPermission;
  /** Undefined for actions on a cluster (freeze). */
  runbook?: string;
  cluster: string;
}

export type AuthzDecision = { allowed: true; row: number } | { allowed: false; reason: string };

export function authorize(table: ChatAllow[], req: AuthzRequest): AuthzDecision {
  const what = `${req.action}${req.runbook ? ` ${req.runbook}` : ''} on cluster ${req.cluster}`;
  for (const [i, row] of table.entries()) {
    const who = row.users.includes(req.user) || row.groups.some((g) => req.groups.includes(g));
    if (!who) continue;
    if (req.runbook !== undefined && !matchesName(row.runbooks, req.runbook)) continue;
    if (!matchesName(row.clusters, req.cluster)) continue;
    if (row.may.includes(req.action)) return { allowed: true, row: i };
    return { allowed: false, reason: `refused: chatops.allow.${i} (the first rule covering <@${req.user}> for ${req.runbook ?? 'this cluster'} on ${req.cluster}) allows only ${row.may.join(', ')}, not ${req.action}` };
  }
  return { allowed: false, reason: `refused: no rule of chatops.allow lets <@${req.user}> ${what}` };
}

/** The user groups named anywhere in the table (the bot looks up only these). */
export function groupsNamed(table: ChatAllow[]): string[] {
  return [...new Set(table.flatMap((r) => r.groups))];
}
