import { charClasses } from '../validators.js';
import {
  type BuiltinRule,
  codeAt,
  eachMatch,
  isAlnumCode,
  isTokenCode,
  isWordCode,
  literalTest,
  type SpanSink,
} from './types.js';

// Regexes whose unbounded quantifier could also match their own leading literal start with a
// lookbehind: without it a failing match would be retried at every position of a long token run
// (quadratic); with it only the run's first position is tried.

function addBounded(text: string, sink: SpanSink, start: number, end: number, inToken = isTokenCode): void {
  if (inToken(codeAt(text, start - 1)) || inToken(codeAt(text, end))) return;
  sink.add(start, end);
}

function literalRule(
  name: string,
  description: string,
  literals: readonly string[],
  re: RegExp,
  inToken: (c: number) => boolean = isTokenCode,
): BuiltinRule {
  return {
    name,
    category: 'secrets',
    description,
    mayMatch: literalTest(literals),
    find: (text, sink) =>
      eachMatch(re, text, (m) => {
        addBounded(text, sink, m.index, m.index + m[0].length, inToken);
        return undefined;
      }),
  };
}

// --- JWT ----------------------------------------------------------------------------------------------

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export const jwt: BuiltinRule = {
  name: 'jwt',
  category: 'secrets',
  description:
    'JSON Web Tokens: three base64url parts whose header and payload start with eyJ (the base64 of {")',
  mayMatch: (text) => text.includes('eyJ'),
  find: (text, sink) =>
    eachMatch(JWT, text, (m) => {
      sink.add(m.index, m.index + m[0].length);
      return undefined;
    }),
};

// --- cloud and SaaS token formats (gitleaks-derived shapes) ---------------------------------------------

const AWS_ID_LITERALS = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'];
const AWS_KEY_ID = /(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}/g;

export const awsAccessKeyId = literalRule(
  'aws_access_key_id',
  'AWS access key ids (AKIA/ASIA/ABIA/ACCA + 16 base32 characters)',
  AWS_ID_LITERALS,
  AWS_KEY_ID,
  isAlnumCode,
);

const AWS_SECRET_KEYED =
  /(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)\\?["']?\s*(?:=>|[:=])\s*\\?["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const B64_40 = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

/** A 40-character base64 string that mixes cases and has a digit or symbol: an AWS secret key shape. */
function awsSecretShape(s: string): boolean {
  const k = charClasses(s);
  return k.lower && k.upper && (k.digit || s.includes('/') || s.includes('+'));
}

export const awsSecretAccessKey: BuiltinRule = {
  name: 'aws_secret_access_key',
  category: 'secrets',
  description:
    'AWS secret access keys: 40 base64 characters after an aws_secret_access_key-style key, or next to an access key id',
  mayMatch: literalTest(['ecret', 'ECRET', ...AWS_ID_LITERALS]),
  find: (text, sink) => {
    eachMatch(AWS_SECRET_KEYED, text, (m) => {
      const value = m[1]!;
      const end = m.index + m[0].length;
      sink.add(end - value.length, end);
      return undefined;
    });
    // Context check: a bare 40-character secret counts only on a line that also carries a key id.
    AWS_KEY_ID.lastIndex = 0;
    if (!AWS_KEY_ID.test(text)) return;
    eachMatch(B64_40, text, (m) => {
      if (awsSecretShape(m[0])) sink.add(m.index, m.index + m[0].length);
      return undefined;
    });
  },
};

export const githubToken = literalRule(
  'github_token',
  'GitHub tokens: ghp_/gho_/ghu_/ghs_/ghr_ classic and app tokens, github_pat_ fine-grained tokens',
  ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  /gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{70,251}/g,
  isWordCode,
);

export const gitlabToken = literalRule(
  'gitlab_token',
  'GitLab tokens: glpat-, gldt-, glrt-, glptt-, glcbt-, glimt-, gloas-, glsoat-, glft-, glwt-, glagent-, GR1348941',
  [
    'glpat-',
    'gldt-',
    'glrt-',
    'glptt-',
    'glcbt-',
    'glimt-',
    'gloas-',
    'glsoat-',
    'glft-',
    'glwt-',
    'glagent-',
    'GR1348941',
  ],
  /(?:gl(?:pat|dt|rt|ptt|cbt|imt|oas|soat|ft|wt|agent)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})(?:\.[A-Za-z0-9]{2}\.[A-Za-z0-9]{5,12})?/g,
);

export const slackToken = literalRule(
  'slack_token',
  'Slack tokens: xoxb-/xoxp-/xoxa-/xoxo-/xoxr-/xoxs-/xoxe- and xapp- app-level tokens',
  ['xox', 'xapp-'],
  /xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,}/g,
);

const SLACK_WEBHOOK = /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9+/_-]{20,})/g;

export const slackWebhook: BuiltinRule = {
  name: 'slack_webhook',
  category: 'secrets',
  description: 'Slack incoming webhook URLs (the secret path after hooks.slack.com/services/)',
  mayMatch: (text) => text.includes('hooks.slack.com'),
  find: (text, sink) =>
    eachMatch(SLACK_WEBHOOK, text, (m) => {
      const end = m.index + m[0].length;
      sink.add(end - m[1]!.length, end);
      return undefined;
    }),
};

export const stripeKey = literalRule(
  'stripe_key',
  'Stripe secret and restricted keys (sk_/rk_ live, test, prod) and webhook secrets (whsec_)',
  ['_live_', '_test_', '_prod_', 'whsec_'],
  /(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9+/=]{24,}/g,
);

export const googleApiKey = literalRule(
  'google_api_key',
  'Google API keys (AIza + 35 characters)',
  ['AIza'],
  /AIza[0-9A-Za-z_-]{35}/g,
);

export const googleOauth = literalRule(
  'google_oauth',
  'Google OAuth client secrets (GOCSPX-) and access tokens (ya29.)',
  ['GOCSPX-', 'ya29.'],
  /GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[0-9A-Za-z_-]{20,}/g,
);

export const openaiApiKey = literalRule(
  'openai_api_key',
  'OpenAI API keys (sk-, sk-proj-, sk-svcacct-, sk-admin- with the T3BlbkFJ marker)',
  ['T3BlbkFJ'],
  /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}/g,
);

export const anthropicApiKey = literalRule(
  'anthropic_api_key',
  'Anthropic API keys (sk-ant-api03-, sk-ant-admin01-, ...)',
  ['sk-ant-'],
  /sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{20,}/g,
);

export const npmToken = literalRule(
  'npm_token',
  'npm access tokens (npm_ + 36 characters)',
  ['npm_'],
  /npm_[A-Za-z0-9]{36}/g,
  isAlnumCode,
);
