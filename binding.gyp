# node-gyp build of the same sources as CMakeLists.txt (which is what `npm install` runs).
# Run it with `npm run build:native:gyp`: that passes --nodedir so node-gyp never downloads headers.
# One target per MPI flavour found by scripts/build-native.mjs; a flavour that is absent becomes an
# empty target, so the build succeeds with one MPI or both.
{
  "variables": {
    "parsl_has_openmpi": "<!(node scripts/build-native.mjs --gyp-query has openmpi)",
    "parsl_has_mpich": "<!(node scripts/build-native.mjs --gyp-query has mpich)",
  },
  "target_defaults": {
    "sources": [
      "native/src/addon.cc",
      "native/src/progress_engine.cc",
      "native/src/doorbell.cc",
      "native/src/dispatcher.cc",
    ],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/src"],
    "defines": [
      "NAPI_VERSION=8",
      "NAPI_CPP_EXCEPTIONS",
      "NODE_ADDON_API_DISABLE_DEPRECATED",
      "OMPI_SKIP_MPICXX=1",
      "MPICH_SKIP_MPICXX=1",
    ],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden"],
    # Never unloaded: MPI state must outlive a worker thread (see ProcessMpi in addon.cc).
    "ldflags": ["-Wl,-z,nodelete"],
  },
  "targets": [
    {
      "target_name": "parsl_mpi_openmpi",
      "conditions": [
        ["parsl_has_openmpi==1", {
          "defines": ["PARSL_MPI_FLAVOR=\"openmpi\""],
          "cflags_cc": ["<!@(node scripts/build-native.mjs --gyp-query cflags openmpi)"],
          "libraries": ["<!@(node scripts/build-native.mjs --gyp-query libs openmpi)"],
        }, {
          "type": "none",
          "sources!": ["native/src/addon.cc", "native/src/progress_engine.cc", "native/src/doorbell.cc",
                       "native/src/dispatcher.cc"],
        }],
      ],
    },
    {
      "target_name": "parsl_mpi_mpich",
      "conditions": [
        ["parsl_has_mpich==1", {
          "defines": ["PARSL_MPI_FLAVOR=\"mpich\""],
          "cflags_cc": ["<!@(node scripts/build-native.mjs --gyp-query cflags mpich)"],
          "libraries": ["<!@(node scripts/build-native.mjs --gyp-query libs mpich)"],
        }, {
          "type": "none",
          "sources!": ["native/src/addon.cc", "native/src/progress_engine.cc", "native/src/doorbell.cc",
                       "native/src/dispatcher.cc"],
        }],
      ],
    },
  ],
}
