import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Samples /proc/<pid>/cmdline and environ of every process on this machine (which includes the
 * lab laptop's) every `intervalMs`, recording any sample that contains one of the secrets.
 */
export function sampleLocalProcesses(secrets: string[], intervalMs = 20) {
  const hits: string[] = [];
  let samples = 0;
  const timer = setInterval(() => {
    samples += 1;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      for (const file of ['cmdline', 'environ']) {
        let text: string;
        try {
          text = readFileSync(`/proc/${pid}/${file}`, 'latin1');
        } catch {
          continue;
        }
        for (const secret of secrets) if (text.includes(secret)) hits.push(`${pid}/${file}: ${text.replace(/\0/g, ' ').slice(0, 200)}`);
      }
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { hits, samples };
    },
  };
}

type RemoteShell = (command: string, options?: { input?: string | Buffer }) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

let samplerBinary: Buffer | undefined;

/** proc-sampler.c, compiled static once per test process. */
function compileSampler(): Buffer {
  if (!samplerBinary) {
    const dir = mkdtempSync(join(tmpdir(), 'nb-sampler-'));
    try {
      execFileSync('gcc', ['-O2', '-static', '-o', `${dir}/proc-sampler`, new URL('./proc-sampler.c', import.meta.url).pathname]);
      samplerBinary = readFileSync(`${dir}/proc-sampler`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return samplerBinary;
}

/**
 * Starts proc-sampler on an installer. The secrets travel on its stdin only, so the sampler
 * itself never shows them in an argv or environment.
 */
export async function startRemoteSampler(shell: RemoteShell, secrets: string[]): Promise<void> {
  const upload = await shell('mkdir -p /run/lab && rm -f /run/lab/stop-sampling && cat > /run/lab/proc-sampler && chmod 755 /run/lab/proc-sampler', {
    input: compileSampler(),
  });
  assert.equal(upload.exitCode, 0, upload.stderr);
  // Highest priority: a KDF on every vCPU must not starve the sampler.
  const start = await shell('setsid nice -n -20 /run/lab/proc-sampler /run/lab <&0 >/dev/null 2>&1 & echo started', { input: `${secrets.join('\n')}\n` });
  assert.equal(start.stdout.trim(), 'started', start.stderr);
}

export interface RemoteSamples {
  names: string[];
  hits: string[];
  passes: number;
  medianGapMs: number;
  p95GapMs: number;
  worstGapMs: number;
}

export async function stopRemoteSampler(shell: RemoteShell): Promise<RemoteSamples> {
  const result = await shell(
    'touch /run/lab/stop-sampling; while pgrep -x proc-sampler >/dev/null 2>&1 || [ ! -e /run/lab/names ]; do sleep 0.1; done; cat /run/lab/names; echo ---; cat /run/lab/hits; echo ---; cat /run/lab/passes',
  );
  const [names, hits, passes] = result.stdout.split('---\n').map((part) => part.split('\n').filter(Boolean));
  const times = passes!.map(Number);
  const gaps = times
    .slice(1)
    .map((t, i) => (t - times[i]!) / 1000)
    .sort((a, b) => a - b);
  return {
    names: names!,
    hits: hits!,
    passes: times.length,
    medianGapMs: gaps[gaps.length >> 1] ?? Infinity,
    p95GapMs: gaps[Math.floor(gaps.length * 0.95)] ?? Infinity,
    worstGapMs: gaps.at(-1) ?? Infinity,
  };
}
