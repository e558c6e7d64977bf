import { creditCard, iban } from './cards.js';
import { email } from './email.js';
import { basicAuth, bearer, urlCredentials } from './http-auth.js';
import { ipv4, ipv6, mac } from './network.js';
import { phone, ssn } from './phone.js';
import { privateKey } from './private-key.js';
import { secretKv } from './secret-kv.js';
import {
  anthropicApiKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  githubToken,
  gitlabToken,
  googleApiKey,
  googleOauth,
  jwt,
  npmToken,
  openaiApiKey,
  slackToken,
  slackWebhook,
  stripeKey,
} from './secrets.js';
import type { BuiltinRule, RuleCategory } from './types.js';

/**
 * Every built-in rule in priority order: when matches of two rules overlap, the union is replaced and
 * labelled with the rule that comes first here (the more specific one: a JWT inside `token=` is a jwt).
 */
export const BUILTIN_RULES: readonly BuiltinRule[] = [
  // secrets: fixed formats first, then the context-based ones
  privateKey,
  jwt,
  urlCredentials,
  awsAccessKeyId,
  awsSecretAccessKey,
  githubToken,
  gitlabToken,
  slackToken,
  slackWebhook,
  stripeKey,
  googleApiKey,
  googleOauth,
  openaiApiKey,
  anthropicApiKey,
  npmToken,
  basicAuth,
  bearer,
  secretKv,
  // pii
  email,
  iban,
  creditCard,
  ssn,
  phone,
  // network: IPv6 before MAC before IPv4
  ipv6,
  mac,
  ipv4,
];

export const BUILTIN_BY_NAME: ReadonlyMap<string, BuiltinRule> = new Map(
  BUILTIN_RULES.map((r) => [r.name, r]),
);

/** Rule groups usable wherever rule names are: `all`, and one per category. */
export const RULE_GROUPS: Readonly<Record<'all' | RuleCategory, readonly string[]>> = {
  all: BUILTIN_RULES.map((r) => r.name),
  secrets: BUILTIN_RULES.filter((r) => r.category === 'secrets').map((r) => r.name),
  pii: BUILTIN_RULES.filter((r) => r.category === 'pii').map((r) => r.name),
  network: BUILTIN_RULES.filter((r) => r.category === 'network').map((r) => r.name),
};

/**
 * Version of the built-in rule definitions. It is part of every policy hash, so captures redacted by
 * different rule logic never claim the same policy. Bump it whenever a built-in rule's matches change.
 */
export const BUILTIN_RULES_VERSION = 1;

/** A built-in rule as documented: name, group and what it matches. */
export interface RuleInfo {
  readonly name: string;
  readonly group: RuleCategory;
  readonly description: string;
}

/** The built-in rules in priority order. */
export function listRules(): RuleInfo[] {
  return BUILTIN_RULES.map((r) => ({ name: r.name, group: r.category, description: r.description }));
}
