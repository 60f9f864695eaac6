// Per-process staging folders (`<final>.partial-<host>-<pid>`) and their cleanup: a killed writer's folder
// and its `.lock` go (the lock whose pid "26969.lock" once parsed as NaN), as does a reused pid's; a running
// writer's, this process's and another host's stay.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processPartialPath, processStartTime, removeStalePartials, thisMachine } from '../../src';
import { deadPid, scratchPerTest, startSleeper } from './processes';

const scratch = scratchPerTest('nodulab-staging-');

/** A staging folder of `final` for `pid` on `host`, with a file inside and optionally its lock. */
function staging(final: string, host: string, pid: number, lock?: Record<string, unknown> | ''): string {
  const p = `${final}.partial-${host}-${pid}`;
  fs.mkdirSync(p);
  fs.writeFileSync(path.join(p, 'metrics.json'), '{}');
  if (lock !== undefined)
    fs.writeFileSync(
      `${p}.lock`,
      lock === '' ? '' : JSON.stringify({ command: 'nodulab worker', since: 'x', ...lock }),
    );
  return p;
}

describe('processPartialPath', () => {
  it('names this host and pid', () => {
    expect(processPartialPath(path.join(scratch.dir, 'job'))).toBe(
      `${path.join(scratch.dir, 'job')}.partial-${os.hostname()}-${process.pid}`,
    );
  });
});

describe('removeStalePartials', () => {
  const host = os.hostname();

  it("removes a killed writer's folder and its lock, even the lock alone", () => {
    const final = path.join(scratch.dir, 'job-a');
    const dead = deadPid();
    const p = staging(final, host, dead, { pid: dead, ...thisMachine(), start: '1' });
    const lone = deadPid();
    fs.writeFileSync(`${final}.partial-${host}-${lone}.lock`, JSON.stringify({ pid: lone, command: 'x', since: 'x' }));
    fs.writeFileSync(`${final}.partial-${host}-${lone}.lock.${lone}.abc.tmp`, '');
    expect(removeStalePartials(final).sort()).toEqual(
      [
        p,
        `${p}.lock`,
        `${final}.partial-${host}-${lone}.lock`,
        `${final}.partial-${host}-${lone}.lock.${lone}.abc.tmp`,
      ].sort(),
    );
    expect(fs.readdirSync(scratch.dir)).toEqual([]);
  });

  it("keeps a running writer's, this process's, another host's and another output's staging", () => {
    const live = startSleeper(scratch);
    const final = path.join(scratch.dir, 'job-b');
    const start = processStartTime(live);
    const kept = [
      staging(final, host, live, start === undefined ? undefined : { pid: live, ...thisMachine(), start }),
      staging(final, host, process.pid, { pid: process.pid, ...thisMachine() }),
      staging(final, 'another-machine', deadPid()),
      staging(path.join(scratch.dir, 'job-bb'), host, deadPid()),
    ];
    // An empty lock says nothing about its folder's writer, who runs.
    const live2 = staging(final, host, live === 1 ? 2 : 1, '');
    // A writer on another machine with this host name (another boot): its pid means nothing here, and its lock's
    // heartbeat is fresh.
    const twin = staging(final, host, deadPid(), '');
    fs.writeFileSync(
      `${twin}.lock`,
      JSON.stringify({ command: 'nodulab worker', since: 'x', pid: Number(twin.split('-').pop()), host, boot: 'b' }),
    );
    expect(removeStalePartials(final)).toEqual([]);
    for (const p of [...kept, live2, twin]) expect(fs.existsSync(p)).toBe(true);
  });

  (process.platform === 'linux' ? it : it.skip)(
    "removes a reused pid's staging: its lock records another start time",
    () => {
      const pid = startSleeper(scratch);
      const start = Number(processStartTime(pid));
      const final = path.join(scratch.dir, 'job-c');
      const p = staging(final, host, pid, { pid, ...thisMachine(), start: String(start - 100) });
      expect(removeStalePartials(final).sort()).toEqual([p, `${p}.lock`].sort());
      expect(removeStalePartials(path.join(scratch.dir, 'missing', 'job'))).toEqual([]);
    },
  );
});
