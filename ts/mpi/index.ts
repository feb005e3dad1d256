/** The MPI binding on its own: a typed communicator over the native addon, usable without any executor. */
export {
  Communicator,
  type CommunicatorEvents,
  type CommunicatorOptions,
  type CommunicatorState,
  type MessageFilter,
  type MPIMessage,
  type ThreadLevel,
  type WatchOptions,
} from './communicator.js';
export {
  MPIError,
  MPIFlavorMismatchError,
  MPIInitError,
  MPINotAvailableError,
  MPIQueueFullError,
  MPIStateError,
} from './errors.js';
export { detectLauncher, type MPIFlavor } from './load-addon.js';
