// Node binding of the progress engine and the dispatcher core. Kept narrow on purpose: integer ids
// and a few verbs; names, defaults, validation and promises live in TypeScript (communicator.ts).
#include <napi.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "dispatcher.h"
#include "progress_engine.h"

#ifndef PARSL_MPI_FLAVOR
#define PARSL_MPI_FLAVOR "unknown"
#endif

namespace {

using parsl::mpi::Delivery;
using parsl::mpi::Engine;
using parsl::mpi::EventKind;

[[noreturn]] void Throw(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  throw error;
}

uint32_t U32(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) Throw(o.Env(), "ERR_INVALID_ARG", std::string(key) + " must be a number");
  return v.As<Napi::Number>().Uint32Value();
}

const uint8_t* BytesOf(const Napi::Value& v, size_t& length) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Throw(v.Env(), "ERR_INVALID_ARG", "data must be a Uint8Array or Buffer");
  }
  auto bytes = v.As<Napi::Uint8Array>();
  length = bytes.ByteLength();
  return bytes.Data();
}

// MPI can be initialised once per process, whatever the number of Node environments (worker
// threads) that load this addon; this is the process-wide record of who owns it. It survives a
// worker's exit because the addon is linked with -z nodelete: Node dlcloses an addon when the last
// environment using it ends, which would otherwise reset this record and unload the MPI library.
struct ProcessMpi {
  std::mutex mutex;
  Engine* running = nullptr;
  bool finalized = false;
  bool atexitInstalled = false;
};
ProcessMpi& processMpi() {
  static ProcessMpi* p = new ProcessMpi();  // leaked: must outlive static destructors and atexit
  return *p;
}

// process.exit() ends the process without running environment cleanup hooks; an MPI rank that
// exits without MPI_Finalize makes the launcher report a failure, so finalize here as a last resort.
void FinalizeAtExit() {
  ProcessMpi& p = processMpi();
  std::lock_guard<std::mutex> lock(p.mutex);
  if (p.running == nullptr) return;
  p.running->detachHost();
  p.running->stop(true);
  p.running->join();
  if (p.running->finalized()) p.finalized = true;
  p.running = nullptr;
}

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {
                           InstanceMethod<&EngineWrap::Start>("start"),
                           InstanceMethod<&EngineWrap::Send>("send"),
                           InstanceMethod<&EngineWrap::NotifyAtOrBelow>("notifyAtOrBelow"),
                           InstanceMethod<&EngineWrap::Barrier>("barrier"),
                           InstanceMethod<&EngineWrap::Watch>("watch"),
                           InstanceMethod<&EngineWrap::Unwatch>("unwatch"),
                           InstanceMethod<&EngineWrap::Stop>("stop"),
                           InstanceMethod<&EngineWrap::Abort>("abort"),
                           InstanceMethod<&EngineWrap::Info>("info"),
                           InstanceMethod<&EngineWrap::QueuedBytes>("queuedBytes"),
                           InstanceMethod<&EngineWrap::Stats>("stats"),
                           InstanceMethod<&EngineWrap::Poll>("poll"),
                           InstanceMethod<&EngineWrap::RefLoop>("ref"),
                           InstanceMethod<&EngineWrap::UnrefLoop>("unref"),
                       });
  }

  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {}

  ~EngineWrap() override {
    // Only reachable once the engine is stopped: a running engine holds a reference to its wrapper.
  }

  // For the dispatcher's sendBatches(): the engine, or null unless it runs.
  Engine* runningEngine() { return engine_ && engine_->running() ? engine_.get() : nullptr; }

 private:
  static void CallJs(Napi::Env env, Napi::Function, EngineWrap* self, void*) {
    if (env != nullptr && self != nullptr) self->Deliver(env);
  }
  using Tsfn = Napi::TypedThreadSafeFunction<EngineWrap, void, &EngineWrap::CallJs>;

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (engine_) Throw(env, "ERR_MPI_STATE", "this engine was already started");
    if (!info[0].IsObject() || !info[1].IsFunction()) {
      Throw(env, "ERR_INVALID_ARG", "start(options, onDelivery) expects an object and a function");
    }
    Napi::Object o = info[0].As<Napi::Object>();
    parsl::mpi::EngineOptions options;
    options.requestedThreadLevel = static_cast<int>(U32(o, "threadLevel"));
    options.packetBytes = U32(o, "packetBytes");
    options.receiveDepth = U32(o, "receiveDepth");
    options.maxQueuedBytes = static_cast<uint64_t>(o.Get("maxQueuedBytes").As<Napi::Number>().DoubleValue());
    options.spinMicros = U32(o, "spinMicros");
    options.maxSleepMicros = U32(o, "maxSleepMicros");
    options.doorbells = o.Get("doorbells").ToBoolean().Value();
    {
      ProcessMpi& p = processMpi();
      std::lock_guard<std::mutex> lock(p.mutex);
      if (p.finalized) {
        Throw(env, "ERR_MPI_FINALIZED",
              "MPI was already finalized in this process and cannot be initialised again (MPI standard)");
      }
      if (p.running != nullptr) {
        Throw(env, "ERR_MPI_IN_USE",
              "MPI is already in use in this process (another Communicator, possibly in another "
              "worker thread); only one Communicator per process is possible");
      }
      onDelivery_ = Napi::Persistent(info[1].As<Napi::Function>());
      tsfn_ = Tsfn::New(env, "parsl-ts MPI progress", 0, 1, this);
      engine_ = std::make_unique<Engine>(options, [this] { tsfn_.NonBlockingCall(); });
      p.running = engine_.get();
      if (!p.atexitInstalled) {
        std::atexit(FinalizeAtExit);
        p.atexitInstalled = true;
      }
    }
    Ref();  // the JS object must outlive the thread that calls back into it
    cleanupHook_ = env.AddCleanupHook(&EngineWrap::OnEnvCleanup, this);
    hookInstalled_ = true;
    engine_->start();
    return env.Undefined();
  }

  // Environment teardown (worker thread ends, or the main loop ends) with MPI still running:
  // finalize for the user who forgot, so the launcher sees a clean exit.
  static void OnEnvCleanup(EngineWrap* self) {
    self->hookInstalled_ = false;
    self->Teardown(/*finalize=*/true, /*wait=*/true);
  }

  void Teardown(bool finalize, bool wait) {
    if (!engine_) return;
    if (wait) {
      engine_->stop(finalize);
      engine_->join();
    }
    {
      ProcessMpi& p = processMpi();
      std::lock_guard<std::mutex> lock(p.mutex);
      if (p.running == engine_.get()) p.running = nullptr;
      if (engine_->finalized()) p.finalized = true;
    }
    if (!released_) {
      released_ = true;
      tsfn_.Release();
    }
  }

  void Deliver(Napi::Env env) {
    if (!engine_) return;
    engine_->takeDelivery(scratch_);
    // poll() may have taken what this notification announced.
    if (scratch_.empty()) return;
    Napi::HandleScope scope(env);
    Napi::Object batch = Napi::Object::New(env);
    const size_t messages = scratch_.meta.size() / 4;
    if (messages > 0) {
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, scratch_.meta.size() * sizeof(int32_t));
      std::memcpy(ab.Data(), scratch_.meta.data(), ab.ByteLength());
      batch.Set("meta", Napi::Int32Array::New(env, scratch_.meta.size(), ab, 0));
    } else {
      batch.Set("meta", env.Null());
    }
    batch.Set("arena", scratch_.arena.empty() ? env.Null() : ToBuffer(env, scratch_.arena));
    if (!scratch_.large.empty()) {
      Napi::Array large = Napi::Array::New(env, scratch_.large.size());
      for (size_t i = 0; i < scratch_.large.size(); ++i) large.Set(i, ToBuffer(env, scratch_.large[i]));
      batch.Set("large", large);
    } else {
      batch.Set("large", env.Null());
    }
    bool terminal = false;
    bool finalized = false;
    if (!scratch_.events.empty()) {
      Napi::Array events = Napi::Array::New(env, scratch_.events.size());
      for (size_t i = 0; i < scratch_.events.size(); ++i) {
        const auto& e = scratch_.events[i];
        Napi::Object ev = Napi::Object::New(env);
        ev.Set("kind", static_cast<int>(e.kind));
        ev.Set("id", e.id);
        ev.Set("value", e.value);
        ev.Set("message", e.message.empty() ? env.Null() : Napi::String::New(env, e.message));
        events.Set(i, ev);
        if (e.kind == EventKind::Stopped || e.kind == EventKind::InitFailed) terminal = true;
        if (e.kind == EventKind::Stopped && e.value == 1) finalized = true;
      }
      batch.Set("events", events);
    } else {
      batch.Set("events", env.Null());
    }
    if (terminal) {
      engine_->join();
      if (hookInstalled_) {
        cleanupHook_.Remove(env);
        hookInstalled_ = false;
      }
      {
        ProcessMpi& p = processMpi();
        std::lock_guard<std::mutex> lock(p.mutex);
        if (finalized) p.finalized = true;
      }
      Teardown(false, false);
    }
    Napi::Function callback = onDelivery_.Value();
    if (terminal) {
      onDelivery_.Reset();
      Unref();
    }
    delivering_ = true;
    try {
      callback.Call({batch});
    } catch (...) {
      delivering_ = false;
      throw;
    }
    delivering_ = false;
  }

  // Small payloads are copied so the vector keeps its capacity for the next batch; big ones are
  // handed to JS without a copy.
  static Napi::Value ToBuffer(Napi::Env env, std::vector<uint8_t>& bytes) {
    if (bytes.size() < 16 * 1024) return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
    auto* owned = new std::vector<uint8_t>(std::move(bytes));
    bytes = {};
    return Napi::Buffer<uint8_t>::NewOrCopy(env, owned->data(), owned->size(),
                                            [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; },
                                            owned);
  }

  Engine& Running(Napi::Env env) {
    if (!engine_ || !engine_->running()) Throw(env, "ERR_MPI_STATE", "the MPI engine is not running");
    return *engine_;
  }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Engine& engine = Running(env);
    const int dest = info[0].As<Napi::Number>().Int32Value();
    const int tag = info[1].As<Napi::Number>().Int32Value();
    if (tag < 0) Throw(env, "ERR_INVALID_ARG", "tags below 0 are reserved for the engine");
    size_t length = 0;
    const uint8_t* data = BytesOf(info[2], length);
    if (length > static_cast<size_t>(INT32_MAX)) Throw(env, "ERR_INVALID_ARG", "a message must be < 2 GiB");
    switch (engine.send(dest, tag, data, length)) {
      case parsl::mpi::SendResult::Queued:
        return Napi::Number::New(env, static_cast<double>(engine.queuedBytes()));
      case parsl::mpi::SendResult::OverCap: return Napi::Number::New(env, -1);
      case parsl::mpi::SendResult::BadRank:
        Throw(env, "ERR_INVALID_ARG", "destination rank " + std::to_string(dest) + " is out of range");
      case parsl::mpi::SendResult::NotRunning: break;
    }
    Throw(env, "ERR_MPI_STATE", "the MPI engine is stopping");
  }

  Napi::Value NotifyAtOrBelow(const Napi::CallbackInfo& info) {
    Running(info.Env()).notifyAtOrBelow(static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue()));
    return info.Env().Undefined();
  }

  Napi::Value Barrier(const Napi::CallbackInfo& info) {
    Running(info.Env()).barrier(info[0].As<Napi::Number>().Uint32Value());
    return info.Env().Undefined();
  }

  Napi::Value Watch(const Napi::CallbackInfo& info) {
    const double threshold = info[1].As<Napi::Number>().DoubleValue();
    Running(info.Env()).watch(info[0].As<Napi::Number>().Int32Value(), static_cast<uint64_t>(threshold),
                              info[2].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  Napi::Value Unwatch(const Napi::CallbackInfo& info) {
    Running(info.Env()).unwatch(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (!engine_) Throw(info.Env(), "ERR_MPI_STATE", "the MPI engine was never started");
    engine_->stop(info[0].ToBoolean().Value());
    return info.Env().Undefined();
  }

  Napi::Value Abort(const Napi::CallbackInfo& info) {
    const int code = info[0].As<Napi::Number>().Int32Value();
    if (engine_) engine_->abort(code);
    std::_Exit(code);
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Engine& engine = Running(env);
    const auto& i = engine.info();
    Napi::Object o = Napi::Object::New(env);
    o.Set("rank", i.rank);
    o.Set("size", i.size);
    o.Set("threadLevel", i.threadLevel);
    o.Set("initializedHere", i.initializedHere);
    o.Set("processorName", i.processorName);
    o.Set("libraryVersion", i.libraryVersion);
    return o;
  }

  Napi::Value QueuedBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), engine_ ? static_cast<double>(engine_->queuedBytes()) : 0);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const parsl::mpi::Stats s = engine_ ? engine_->stats() : parsl::mpi::Stats{};
    Napi::Object o = Napi::Object::New(env);
    o.Set("messagesSent", static_cast<double>(s.messagesSent));
    o.Set("packetsSent", static_cast<double>(s.packetsSent));
    o.Set("messagesReceived", static_cast<double>(s.messagesReceived));
    o.Set("packetsReceived", static_cast<double>(s.packetsReceived));
    o.Set("sleeps", static_cast<double>(s.sleeps));
    o.Set("wakeups", static_cast<double>(s.wakeups));
    o.Set("hostToMpiMicros", static_cast<double>(s.hostToMpiMicros));
    o.Set("hostToMpiHandoffs", static_cast<double>(s.hostToMpiHandoffs));
    o.Set("mpiToHostMicros", static_cast<double>(s.mpiToHostMicros));
    o.Set("mpiToHostDeliveries", static_cast<double>(s.mpiToHostDeliveries));
    return o;
  }

  // Takes a waiting delivery on the JS thread now, through the same callback, instead of waiting for the
  // progress thread's notification to wake the loop (one thread hand-off less). True if there was one.
  Napi::Value Poll(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!engine_ || delivering_ || !engine_->hasDelivery()) return Napi::Boolean::New(env, false);
    Deliver(env);
    return Napi::Boolean::New(env, true);
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    if (engine_ && !released_) tsfn_.Ref(info.Env());
    return info.Env().Undefined();
  }

  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    if (engine_ && !released_) tsfn_.Unref(info.Env());
    return info.Env().Undefined();
  }

  std::unique_ptr<Engine> engine_;
  Tsfn tsfn_;
  bool released_ = false;
  Napi::FunctionReference onDelivery_;
  Delivery scratch_;
  bool delivering_ = false;  // inside the JS callback: a poll() from there must not reuse scratch_
  Napi::Env::CleanupHook<void (*)(EngineWrap*), EngineWrap> cleanupHook_;
  bool hookInstalled_ = false;
};

class DispatcherWrap : public Napi::ObjectWrap<DispatcherWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Dispatcher",
                       {
                           InstanceMethod<&DispatcherWrap::Submit>("submit"),
                           InstanceMethod<&DispatcherWrap::SubmitBatch>("submitBatch"),
                           InstanceMethod<&DispatcherWrap::SendBatches>("sendBatches"),
                           InstanceMethod<&DispatcherWrap::SetCapacity>("setCapacity"),
                           InstanceMethod<&DispatcherWrap::NextBatches>("nextBatches"),
                           InstanceMethod<&DispatcherWrap::Complete>("complete"),
                           InstanceMethod<&DispatcherWrap::TasksOf>("tasksOf"),
                           InstanceMethod<&DispatcherWrap::RemoveRank>("removeRank"),
                           InstanceMethod<&DispatcherWrap::Counts>("counts"),
                       });
  }

  explicit DispatcherWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DispatcherWrap>(info) {
    if (!info[0].IsObject()) Throw(info.Env(), "ERR_INVALID_ARG", "new Dispatcher(options) expects an object");
    Napi::Object o = info[0].As<Napi::Object>();
    parsl::DispatcherOptions options;
    options.maxBatchTasks = U32(o, "maxBatchTasks");
    options.maxBatchBytes = U32(o, "maxBatchBytes");
    if (options.maxBatchTasks == 0) Throw(info.Env(), "ERR_INVALID_ARG", "maxBatchTasks must be at least 1");
    core_ = std::make_unique<parsl::Dispatcher>(options);
  }

 private:
  static Napi::Value Ids(Napi::Env env, const std::vector<uint64_t>& ids) {
    Napi::Float64Array out = Napi::Float64Array::New(env, ids.size());
    for (size_t i = 0; i < ids.size(); ++i) out[i] = static_cast<double>(ids[i]);
    return out;
  }

  Napi::Value Submit(const Napi::CallbackInfo& info) {
    size_t length = 0;
    const uint8_t* data = BytesOf(info[1], length);
    core_->submit(static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue()), data, length);
    return info.Env().Undefined();
  }

  Napi::Value SubmitBatch(const Napi::CallbackInfo& info) {
    size_t length = 0;
    const uint8_t* data = BytesOf(info[0], length);
    const size_t before = core_->pendingCount();
    if (!core_->submitBatch(data, length)) Throw(info.Env(), "ERR_INVALID_ARG", "not a well-formed task batch");
    return Napi::Number::New(info.Env(), static_cast<double>(core_->pendingCount() - before));
  }

  // nextBatches() straight into the engine's queues: no JS object, Buffer or call per batch. A batch
  // the engine refuses (queue over its cap, engine stopping) goes back to the queue, and the call
  // returns; the next call tries again.
  Napi::Value SendBatches(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) Throw(env, "ERR_INVALID_ARG", "sendBatches(engine, tag) expects an Engine");
    Engine* engine = Napi::ObjectWrap<EngineWrap>::Unwrap(info[0].As<Napi::Object>())->runningEngine();
    if (engine == nullptr) Throw(env, "ERR_MPI_STATE", "the MPI engine is not running");
    const int tag = info[1].As<Napi::Number>().Int32Value();
    if (tag < 0) Throw(env, "ERR_INVALID_ARG", "tags below 0 are reserved for the engine");
    size_t sent = 0;
    for (;;) {
      std::vector<parsl::Batch> batches = core_->nextBatches();
      if (batches.empty()) break;
      for (size_t i = 0; i < batches.size(); ++i) {
        const auto& b = batches[i];
        const auto r = engine->send(b.rank, tag, b.payload.data(), b.payload.size());
        if (r == parsl::mpi::SendResult::Queued) {
          ++sent;
          continue;
        }
        for (size_t j = batches.size(); j > i; --j) core_->giveBack(batches[j - 1]);
        if (r == parsl::mpi::SendResult::BadRank)
          Throw(env, "ERR_INVALID_ARG", "rank " + std::to_string(b.rank) + " is out of range");
        return Napi::Number::New(env, static_cast<double>(sent));
      }
    }
    return Napi::Number::New(env, static_cast<double>(sent));
  }

  Napi::Value SetCapacity(const Napi::CallbackInfo& info) {
    core_->setCapacity(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Uint32Value());
    return info.Env().Undefined();
  }

  Napi::Value NextBatches(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<parsl::Batch> batches = core_->nextBatches();
    Napi::Array out = Napi::Array::New(env, batches.size());
    for (size_t i = 0; i < batches.size(); ++i) {
      Napi::Object b = Napi::Object::New(env);
      b.Set("rank", batches[i].rank);
      b.Set("taskCount", batches[i].taskCount);
      b.Set("payload", Napi::Buffer<uint8_t>::Copy(env, batches[i].payload.data(), batches[i].payload.size()));
      out.Set(i, b);
    }
    return out;
  }

  Napi::Value Complete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int rank = info[0].As<Napi::Number>().Int32Value();
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      Throw(env, "ERR_INVALID_ARG", "complete(rank, ids) expects ids as a Float64Array");
    }
    Napi::Float64Array ids = info[1].As<Napi::Float64Array>();
    ids_.resize(ids.ElementLength());
    for (size_t i = 0; i < ids_.size(); ++i) ids_[i] = static_cast<uint64_t>(ids[i]);
    return Napi::Number::New(env, static_cast<double>(core_->complete(rank, ids_.data(), ids_.size())));
  }

  Napi::Value TasksOf(const Napi::CallbackInfo& info) {
    return Ids(info.Env(), core_->tasksOf(info[0].As<Napi::Number>().Int32Value()));
  }

  Napi::Value RemoveRank(const Napi::CallbackInfo& info) {
    return Ids(info.Env(), core_->removeRank(info[0].As<Napi::Number>().Int32Value()));
  }

  Napi::Value Counts(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("pending", static_cast<double>(core_->pendingCount()));
    o.Set("inFlight", static_cast<double>(core_->inFlightCount()));
    o.Set("freeRanks", static_cast<double>(core_->freeRankCount()));
    return o;
  }

  std::unique_ptr<parsl::Dispatcher> core_;
  std::vector<uint64_t> ids_;
};

Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  // One of the few MPI calls allowed before MPI_Init: lets the loader name the library it linked.
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  std::string v(version, static_cast<size_t>(len));
  while (!v.empty() && (v.back() == '\n' || v.back() == '\0')) v.pop_back();
  return Napi::String::New(info.Env(), v);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Engine", EngineWrap::Define(env));
  exports.Set("Dispatcher", DispatcherWrap::Define(env));
  exports.Set("libraryVersion", Napi::Function::New(env, LibraryVersion, "libraryVersion"));
  exports.Set("flavor", Napi::String::New(env, PARSL_MPI_FLAVOR));
  exports.Set("abiVersion", Napi::Number::New(env, 2));
  Napi::Object levels = Napi::Object::New(env);
  levels.Set("single", static_cast<int>(MPI_THREAD_SINGLE));
  levels.Set("funneled", static_cast<int>(MPI_THREAD_FUNNELED));
  levels.Set("serialized", static_cast<int>(MPI_THREAD_SERIALIZED));
  levels.Set("multiple", static_cast<int>(MPI_THREAD_MULTIPLE));
  exports.Set("threadLevels", levels);
  return exports;
}

}  // namespace

NODE_API_MODULE(parsl_mpi, Init)
