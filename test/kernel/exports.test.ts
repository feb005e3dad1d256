import * as parsl from 'parsl-ts';
import { expect, test } from 'vitest';

// The public API is a contract: every name must stay exported from the package root.
const CONTRACT =
  `app bashApp joinApp File AUTO_LOGNAME Config load dfk clear DataFlowKernel AppFuture DataFuture TaskState
  ThreadPoolExecutor HighThroughputExecutor ExtremeScaleExecutor MPIExecutor
  LocalProvider SlurmProvider PBSProProvider TorqueProvider CobaltProvider LSFProvider CondorProvider
  GridEngineProvider AdHocProvider KubernetesProvider AWSProvider GoogleCloudProvider
  SimpleLauncher SingleNodeLauncher SrunLauncher SrunMPILauncher AprunLauncher MpiExecLauncher MpiRunLauncher
  JsrunLauncher GnuParallelLauncher WrappedLauncher LocalChannel SSHChannel SSHInteractiveLoginChannel OAuthSSHChannel
  addressByHostname addressByRoute addressByQuery addressByInterface getAllCheckpoints getLastCheckpoint
  setStreamLogger setFileLogger idForMemo BashExitFailure AppTimeout DependencyError JoinError SerializationError
  ConfigurationError BadCheckpoint ManagerLost WorkerLost VersionMismatch MissingOutputs AppBadFormatting
  BashAppNoReturn BadStdStreamFile`.split(/\s+/);

test.each(CONTRACT)('parsl-ts exports %s', (name) => {
  expect((parsl as Record<string, unknown>)[name]).toBeDefined();
});

test('error classes are ParslErrors with their Parsl names', () => {
  for (const name of ['BashExitFailure', 'DependencyError', 'ManagerLost', 'WorkerLost', 'BadCheckpoint']) {
    const cls = (parsl as unknown as Record<string, { prototype: Error; name: string }>)[name]!;
    expect(cls.prototype).toBeInstanceOf(parsl.ParslError);
    expect(cls.name).toBe(name);
  }
});
