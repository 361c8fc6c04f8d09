import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The project's custom search attributes (design.md "Search attributes"). Runs are found in the Web UI and with
 * `temporal workflow list --query "MesosCluster='prod' AND AgentIds='...'"` by these keys.
 *
 * Production servers need them registered once:
 * `temporal operator search-attribute create --name MesosCluster --type Keyword` (and so on for each below).
 * The dev-server launcher registers them itself.
 */
export const SearchAttributes = {
  MesosCluster: defineSearchAttributeKey('MesosCluster', SearchAttributeType.KEYWORD),
  RunbookName: defineSearchAttributeKey('RunbookName', SearchAttributeType.KEYWORD),
  AgentIds: defineSearchAttributeKey('AgentIds', SearchAttributeType.KEYWORD_LIST),
  Machines: defineSearchAttributeKey('Machines', SearchAttributeType.KEYWORD_LIST),
  Initiator: defineSearchAttributeKey('Initiator', SearchAttributeType.KEYWORD),
  Ticket: defineSearchAttributeKey('Ticket', SearchAttributeType.KEYWORD),
  RunbookPhase: defineSearchAttributeKey('RunbookPhase', SearchAttributeType.KEYWORD),
} as const;

/** Name → type as the `temporal` CLI spells it (for `--search-attribute KEY=Type` and the README). */
export const searchAttributeCliTypes: Record<keyof typeof SearchAttributes, 'Keyword' | 'KeywordList'> = {
  MesosCluster: 'Keyword',
  RunbookName: 'Keyword',
  AgentIds: 'KeywordList',
  Machines: 'KeywordList',
  Initiator: 'Keyword',
  Ticket: 'Keyword',
  RunbookPhase: 'Keyword',
};
