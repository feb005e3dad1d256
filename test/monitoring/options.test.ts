import { spawn } from 'node:child_process';
import * as parsl from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { sampleProcessTree } from '#internal';
import { eventually } from '../helpers/eventually.js';

describe('MonitoringHub options', () => {
  test("Parsl's defaults, camelCase", () => {
    const hub = new parsl.MonitoringHub();
    expect(hub.resourceMonitoringEnabled).toBe(true);
    expect(hub.resourceMonitoringInterval).toBe(30);
    expect(hub.monitoringDebug).toBe(false);
    expect(hub.databasePath('/runs/runinfo')).toBe('/runs/runinfo/monitoring.db');
    expect(new parsl.MonitoringHub({ loggingEndpoint: 'sqlite:////abs/m.db' }).databasePath('x')).toBe(
      '/abs/m.db',
    );
    // Accepted and ignored, as in Parsl.
    expect(
      new parsl.MonitoringHub({ hubAddress: '127.0.0.1', hubPortRange: [55050, 56000] }).hubAddress,
    ).toBe('127.0.0.1');
  });

  test('bad options name the field', () => {
    expect(() => new parsl.MonitoringHub({ resource_monitoring_interval: 1 } as never)).toThrow(
      /'resource_monitoring_interval'.*camelCase: 'resourceMonitoringInterval'/,
    );
    expect(() => new parsl.MonitoringHub({ resourceMonitoringInterval: -1 })).toThrow(
      /MonitoringHub\.resourceMonitoringInterval must be a number ≥ 0; got the number -1/,
    );
    expect(() => new parsl.MonitoringHub({ loggingEndpoint: 'postgresql://db/x' })).toThrow(
      /MonitoringHub\.loggingEndpoint must be a file path or a 'sqlite:\/\/\/path' URL/,
    );
    expect(() => new parsl.MonitoringHub({ hubPortRange: [1] as never })).toThrow(
      /hubPortRange must be a pair/,
    );
    expect(() => new parsl.Config({ monitoring: {} as never })).toThrow(
      /Config\.monitoring must be a MonitoringHub/,
    );
  });
});

describe('resource sampler', () => {
  test("sums the process tree: a child's memory and count", async () => {
    const child = spawn('sleep', ['30']);
    try {
      await eventually(() => sampleProcessTree().children >= 1);
      const s = sampleProcessTree();
      expect(s.pid).toBe(process.pid);
      expect(s.rss).toBeGreaterThan(sampleProcessTree(child.pid!).rss);
      expect(s.cpuUser + s.cpuSystem).toBeGreaterThan(0);
      expect(s.ctxVoluntary).toBeGreaterThan(0);
      expect(['running', 'sleeping']).toContain(s.status);
    } finally {
      child.kill();
    }
  });
});
