import { describe, expect, it } from '@jest/globals';
import { inspectLine } from './line.js';
import { classifyText, isErrorLevel, type Level, levelFromSyslog, type SeverityReason } from './severity.js';

type Case = [line: string, level: Level, reason?: SeverityReason];

const cases: Case[] = [
  // Structured JSON fields.
  ['{"level":"error","msg":"db down"}', 'error', 'field'],
  ['{"level":"ERROR","msg":"x"}', 'error', 'field'],
  ['{"level":"warning","msg":"x"}', 'warn', 'field'],
  ['{"level":"info","msg":"request failed but retried"}', 'info', 'field'],
  ['{"level":50,"time":1,"msg":"pino error"}', 'error', 'field'],
  ['{"level":60,"msg":"pino fatal"}', 'fatal', 'field'],
  ['{"level":30,"msg":"0 errors here, just pino info"}', 'info', 'field'],
  ['{"level":20,"msg":"pino debug"}', 'debug', 'field'],
  ['{"lvl":"eror","msg":"log15"}', 'error', 'field'],
  ['{"severity":"CRITICAL","message":"gcp"}', 'fatal', 'field'],
  ['{"severity":"WARNING","message":"gcp"}', 'warn', 'field'],
  ['{"severity":3,"message":"syslog err"}', 'error', 'field'],
  ['{"severity_text":"ERROR","body":"otel"}', 'error', 'field'],
  ['{"severity_number":17,"body":"otel"}', 'error', 'field'],
  ['{"severity_number":9,"body":"otel"}', 'info', 'field'],
  ['{"@l":"Error","@mt":"serilog {X}"}', 'error', 'field'],
  ['{"log.level":"warn","message":"ecs"}', 'warn', 'field'],
  ['{"log":{"level":"error"},"message":"ecs nested"}', 'error', 'field'],
  ['{"levelname":"ERROR","message":"python json"}', 'error', 'field'],
  ['{"level":"E","msg":"single letter"}', 'error', 'field'],
  ['{"priority":"3","MESSAGE":"journald"}', 'error', 'field'],
  ['{"status":503,"path":"/api"}', 'error', 'http'],
  ['{"status":404,"path":"/api"}', 'warn', 'http'],
  ['{"status":200,"path":"/api"}', 'info', 'http'],
  ['{"msg":"connection refused"}', 'error', 'keyword'],
  ['{"msg":"all good","error":null}', 'unknown', 'none'],
  // logfmt.
  ['ts=2024-01-02T03:04:05Z level=error msg="db down"', 'error', 'field'],
  ['ts=2024-01-02T03:04:05Z level=info msg="0 errors"', 'info', 'field'],
  ['time="2024-01-02" level=warning msg=slow', 'warn', 'field'],
  ['lvl=dbug msg=x level=debug', 'debug', 'field'],
  ['caller=main.go:12 level=error err="dial tcp: i/o timeout"', 'error', 'field'],
  // Headers and level tokens.
  ['<3>Jan  2 15:04:05 host app[1]: something', 'error', 'syslog'],
  ['<14>Jan  2 15:04:05 host app[1]: disk error detected', 'info', 'syslog'],
  ['<0>kernel: emergency', 'fatal', 'syslog'],
  ['E0102 15:04:05.123456   12345 reflector.go:138] failed to list', 'error', 'klog'],
  ['W0102 15:04:05.123456       1 warnings.go:70] deprecated', 'warn', 'klog'],
  ['I0102 15:04:05.123456       1 controller.go:10] 3 failures recovered', 'info', 'klog'],
  ['F0102 15:04:05.123456       1 main.go:10] cannot start', 'fatal', 'klog'],
  ['E/ActivityManager( 1234): ANR in com.example', 'error', 'logcat'],
  ['12-17 19:31:36.263  1795  1825 W PowerManager: wake lock', 'warn', 'logcat'],
  ['ERROR something broke', 'error', 'token'],
  ['2015-10-18 18:01:47,978 ERROR [main] org.apache.App: boom', 'error', 'token'],
  ['2015-10-18 18:01:47,978 INFO [main] org.apache.App: task failed=0', 'info', 'token'],
  ['2015-10-18T18:01:47.978Z WARN slow query', 'warn', 'token'],
  ['2024/01/02 15:04:05 [error] 12#12: *1 connect() failed', 'error', 'token'],
  ['[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6', 'error', 'token'],
  ['[Sun Dec 04 04:47:44 2005] [notice] jk2_init() Found child 6725', 'info', 'token'],
  ['[ERROR] failed to bind', 'error', 'token'],
  ['[warn] disk 91% full', 'warn', 'token'],
  ['error: could not open file', 'error', 'token'],
  ['Warning: running as root', 'warn', 'token'],
  ['FATAL: terminating connection', 'fatal', 'token'],
  ['CRITICAL:root:out of memory', 'fatal', 'token'],
  ['ERROR:app.db:connection lost', 'error', 'token'],
  ['INFO: 0 errors, 0 failures', 'info', 'token'],
  ['DEBUG retrying failed request', 'debug', 'token'],
  ['1700000000 INFO started', 'info', 'token'],
  ['Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0', 'error', 'keyword'],
  // HTTP access logs.
  ['10.0.0.1 - - [02/Jan/2024:15:04:05 +0000] "GET /api HTTP/1.1" 503 12 "-" "curl"', 'error', 'http'],
  ['10.0.0.1 - - [02/Jan/2024:15:04:05 +0000] "POST /api HTTP/1.1" 429 12', 'warn', 'http'],
  ['10.0.0.1 - - [02/Jan/2024:15:04:05 +0000] "GET /errors HTTP/1.1" 200 12', 'info', 'http'],
  ['10.11.10.1 "GET /v2/servers/detail HTTP/1.1" status: 500 len: 1893 time: 0.24', 'error', 'http'],
  ['method=GET path=/healthz status=502 duration=3ms', 'error', 'http'],
  ['method=GET path=/failures status=200', 'info', 'http'],
  // Stack traces and panics.
  ['panic: runtime error: index out of range [3] with length 3', 'fatal', 'trace-start'],
  ["thread 'main' panicked at src/main.rs:2:5:", 'fatal', 'trace-start'],
  ['Traceback (most recent call last):', 'error', 'trace-start'],
  ['Exception in thread "main" java.lang.NullPointerException', 'error', 'trace-start'],
  ['java.lang.IllegalStateException: bad state', 'error', 'trace-start'],
  ['Caused by: java.io.IOException: Broken pipe', 'error', 'trace-start'],
  ['ValueError: invalid literal for int()', 'error', 'trace-start'],
  ['goroutine 1 [running]:', 'error', 'trace-start'],
  ['Segmentation fault (core dumped)', 'fatal', 'trace-start'],
  ['    at com.example.Foo.bar(Foo.java:12)', 'unknown', 'stack-frame'],
  ['  File "/app/main.py", line 3, in <module>', 'unknown', 'stack-frame'],
  ['\t... 12 more', 'unknown', 'stack-frame'],
  // Keywords, with negations.
  ['connection refused by upstream', 'error', 'keyword'],
  ['request failed after 3 attempts', 'error', 'keyword'],
  ['Unhandled promise rejection: Exception thrown', 'error', 'keyword'],
  ['context deadline exceeded', 'error', 'keyword'],
  ['container OOMKilled', 'error', 'keyword'],
  ['Back-off restarting failed container: CrashLoopBackOff', 'error', 'keyword'],
  ['upstream timed out while reading', 'error', 'keyword'],
  ['job finished with 3 errors', 'error', 'keyword'],
  ['completed: 0 errors', 'unknown', 'negated'],
  ['completed with no errors', 'unknown', 'negated'],
  ['no failures detected', 'unknown', 'negated'],
  ['finished without error', 'unknown', 'negated'],
  ['call returned error=nil', 'unknown', 'negated'],
  ['result err=<nil> code=0', 'unknown', 'none'],
  ['result error=<nil> code=0', 'unknown', 'negated'],
  ['stats errors=0 ok=120', 'unknown', 'negated'],
  ['stats errors: 0, ok: 120', 'unknown', 'negated'],
  ['summary failed=0 passed=12', 'unknown', 'negated'],
  ['error_count=0', 'unknown', 'none'],
  ['client timeout=30s retries=3', 'warn', 'keyword'],
  ['dial with timeout=30s', 'unknown', 'negated'],
  ['error-free run', 'unknown', 'negated'],
  ['0 errors but 2 failed checks', 'error', 'keyword'],
  ['failover to replica complete', 'unknown', 'none'],
  ['ErrorHandler registered', 'unknown', 'none'],
  ['errorless', 'unknown', 'none'],
  ['retrying request in 2s', 'warn', 'keyword'],
  ['API v1 is deprecated', 'warn', 'keyword'],
  ['user logged in', 'unknown', 'none'],
  ['', 'unknown', 'none'],
];

describe('severity classification', () => {
  it.each(cases)('%j → %s (%s)', (line, level, reason) => {
    const got = inspectLine(line);
    expect(got.level).toBe(level);
    if (reason) expect(got.reason).toBe(reason);
  });

  it('maps syslog severities 0..7', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(levelFromSyslog)).toEqual([
      'fatal',
      'fatal',
      'fatal',
      'error',
      'warn',
      'info',
      'info',
      'debug',
    ]);
  });

  it('counts fatal and error as errors, nothing else', () => {
    expect(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'unknown'].map((l) => isErrorLevel(l as Level)),
    ).toEqual([true, true, false, false, false, false, false]);
  });

  it('mines the message field of JSON lines and the whole line otherwise', () => {
    expect(inspectLine('{"level":"info","msg":"hello 1"}').text).toBe('hello 1');
    expect(inspectLine('{"a":1,"b":2}').text).toBe('{a b}');
    expect(inspectLine('{not json}').text).toBe('{not json}');
    expect(classifyText('{not json} failed').level).toBe('error');
  });
});
