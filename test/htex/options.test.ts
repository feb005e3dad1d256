import { ConfigurationError, HighThroughputExecutor } from 'parsl-ts';
import { describe, expect, test } from 'vitest';

describe('HighThroughputExecutor options', () => {
  test('an unknown option is refused by name', () => {
    const make = () => new HighThroughputExecutor({ maxWorkers: 2 } as never);
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(
      /^HighThroughputExecutor: unknown option 'maxWorkers' \(known options: .*maxWorkersPerNode/,
    );
  });

  test.each(['loopbackAddress', 'interchangePortRange'])(
    'Parsl’s %s (a TCP link parsl-ts replaces with a pipe) is refused with the reason',
    (field) => {
      expect(() => new HighThroughputExecutor({ [field]: '127.0.0.1' } as never)).toThrow(
        new RegExp(`HighThroughputExecutor: option '${field}' is not used by parsl-ts: .*private pipe`),
      );
    },
  );

  test('bad values name the field', () => {
    expect(() => new HighThroughputExecutor({ heartbeatPeriod: -1 })).toThrow(/heartbeatPeriod must be/);
    expect(() => new HighThroughputExecutor({ workerPortRange: [5, 2] })).toThrow(/workerPortRange must be/);
  });
});
