/**
 * The "Report: …/report.html" line the CLI ends with uses the platform's separator: under Wine
 * it printed `Z:\…\report/report.html`, which cmd.exe misreads (`/report.html` as a switch).
 */
import { posix, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportLine } from '../src/report/report-line.js';

describe('reportLine', () => {
  it('joins a Windows directory with backslashes only', () => {
    const line = reportLine('C:\\Users\\me\\descent-report', 'results.json', win32);
    expect(line).toBe('Report: C:\\Users\\me\\descent-report\\report.html (results.json)');
  });
  it('joins a POSIX directory with a slash, and omits empty contents', () => {
    expect(reportLine('/tmp/r/', '', posix)).toBe('Report: /tmp/r/report.html');
  });
});
