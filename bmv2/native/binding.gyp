{
  "targets": [
    {
      "target_name": "slb_packet",
      "sources": [
        "src/addon.c",
        "src/ring.c",
        "src/traffic.c",
        "src/batch_poll.c",
        "src/napi_common.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ],
      "libraries": [
        "-lpthread"
      ]
    },
    {
      "target_name": "slb_udp",
      "sources": [
        "src/udp.c",
        "src/batch_poll.c",
        "src/napi_common.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    }
  ]
}
